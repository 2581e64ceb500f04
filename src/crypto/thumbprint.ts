import { createHash } from 'node:crypto'
import type { Jwk } from './jwk.js'

/** The members RFC 7638 §3.2 hashes, per key type, already in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty']
}

/** RFC 7638 JWK thumbprint, SHA-256, base64url. */
export function jwkThumbprint (jwk: Jwk): string {
  const members = REQUIRED_MEMBERS[jwk.kty]
  if (members === undefined) throw new TypeError(`no thumbprint is defined for kty ${jwk.kty}`)
  const canonical: Record<string, string | number | undefined> = {}
  for (const member of members) canonical[member] = jwk[member]
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url')
}
