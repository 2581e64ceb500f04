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

/** The key's project was deleted (by the CLI, from another process) while the key was being made. */
export class ProjectGoneError extends Error {
  constructor () {
    super('the project was deleted while the key was being made')
    this.name = 'ProjectGoneError'
  }
}

export const isForeignKeyViolation = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'

export const isUniqueViolation = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE'
