/** JWK NumericDate: whole seconds since the epoch. */
export const toNumericDate = (date: Date): number => Math.floor(date.getTime() / 1000)

export const fromNumericDate = (seconds: number): Date => new Date(seconds * 1000)

// Before year 10000: the last instant an ISO 8601 string (and the store) can hold.
const NUMERIC_DATE_LIMIT = 253_402_300_800

/** A foreign JWK's `nbf`/`exp`/`iat` when it is a usable NumericDate, else `fallback`. */
export const readNumericDate = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < NUMERIC_DATE_LIMIT ? value : fallback

/** The default validity of every key, generated or imported: it expires a calendar year after its nbf. */
export function oneYearAfter (notBefore: Date): Date {
  const expiresAt = new Date(notBefore)
  expiresAt.setUTCFullYear(expiresAt.getUTCFullYear() + 1)
  return expiresAt
}
