/** Store-level conflicts, for services to turn into client messages. */
export class NameTakenError extends Error {
  constructor (readonly entity: string, readonly takenName: string) {
    super(`${entity} name ${JSON.stringify(takenName)} is already taken`)
    this.name = 'NameTakenError'
  }
}

export class KidTakenError extends Error {
  constructor (readonly kid: string, readonly holder: string) {
    super(`kid ${JSON.stringify(kid)} is already used by ${JSON.stringify(holder)}`)
    this.name = 'KidTakenError'
  }
}

export const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE'
