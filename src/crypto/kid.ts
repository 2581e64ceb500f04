import { createHash, createPublicKey, type JsonWebKeyInput } from 'node:crypto'
import type { Jwk } from './jwk.js'
import { jwkThumbprint } from './thumbprint.js'

export type KeyIdType = 'TIMESTAMP' | 'ISO_DATE' | 'SHA256' | 'SHA1' | 'THUMBPRINT' | 'NONE'
export type HashKeyIdType = 'SHA256' | 'SHA1' | 'THUMBPRINT'

/**
 * The bytes json-web-key-generator hashes for SHA256/SHA1 kids: the DER
 * SubjectPublicKeyInfo for RSA and EC, the raw public key for OKP, the raw
 * secret for oct.
 */
function kidSourceBytes (jwk: Jwk): Buffer {
  switch (jwk.kty) {
    case 'RSA':
    case 'EC': {
      const { kty, n, e, crv, x, y } = jwk
      const publicMembers = jwk.kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y }
      return createPublicKey({ key: publicMembers, format: 'jwk' } as JsonWebKeyInput).export({ type: 'spki', format: 'der' })
    }
    case 'OKP':
      return Buffer.from(String(jwk.x), 'base64url')
    case 'oct':
      return Buffer.from(String(jwk.k), 'base64url')
    default:
      throw new TypeError(`no key id is defined for kty ${jwk.kty}`)
  }
}

export function hashKid (type: HashKeyIdType, jwk: Jwk): string {
  switch (type) {
    case 'SHA256': return createHash('sha256').update(kidSourceBytes(jwk)).digest('base64url')
    case 'SHA1': return createHash('sha1').update(kidSourceBytes(jwk)).digest('base64')
    case 'THUMBPRINT': return jwkThumbprint(jwk)
  }
}

/** `sig-1764460800` or `sig-2026-11-30T00:00:00Z`: the prefix says what the key is for. */
export function timeKid (type: 'TIMESTAMP' | 'ISO_DATE', use: 'sig' | 'enc', issuedAt: number): string {
  const stamp = type === 'TIMESTAMP'
    ? String(issuedAt)
    : new Date(issuedAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return `${use}-${stamp}`
}
