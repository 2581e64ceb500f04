/** JWK shapes and member bookkeeping shared by the worker, the store and the views. */

export type KeyType = 'RSA' | 'EC' | 'OCT' | 'OKP'
export type KeyUse = 'SIGNATURE' | 'ENCRYPTION'

/** A JWK as JSON: string members plus NumericDate members (iat, nbf, exp). */
export type Jwk = { kty: string } & Record<string, string | number>

/** What to generate; the `kty` follows RFC 7518 spelling. */
export type KeyMaterialSpec =
  | { kty: 'RSA', modulusLength: number }
  | { kty: 'EC', crv: 'P-256' | 'P-384' | 'P-521' | 'secp256k1' }
  | { kty: 'OKP', crv: 'Ed25519' | 'X25519' | 'Ed448' | 'X448' }
  | { kty: 'oct', bits: number }

/** Members that hold secrets (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS: ReadonlySet<string> = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])

/** The order members are written in, so every JWK jwkd emits reads the same way. */
const MEMBER_ORDER = ['kty', 'use', 'key_ops', 'alg', 'kid', 'crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'iat', 'nbf', 'exp']

export const isPrivateMember = (member: string): boolean => PRIVATE_MEMBERS.has(member)

export function orderJwk (jwk: Jwk): Jwk {
  const ordered: Record<string, string | number> = {}
  for (const member of MEMBER_ORDER) {
    const value = jwk[member]
    if (value !== undefined) ordered[member] = value
  }
  for (const [member, value] of Object.entries(jwk)) {
    if (!(member in ordered)) ordered[member] = value
  }
  return ordered as Jwk
}

/** Splits a JWK into what may be shown to anyone and what must be sealed. */
export function splitJwk (jwk: Jwk): { publicJwk: Jwk, privateMembers: Record<string, string> } {
  const publicJwk: Record<string, string | number> = {}
  const privateMembers: Record<string, string> = {}
  for (const [member, value] of Object.entries(jwk)) {
    if (isPrivateMember(member)) privateMembers[member] = String(value)
    else publicJwk[member] = value
  }
  return { publicJwk: publicJwk as Jwk, privateMembers }
}

export const joinJwk = (publicJwk: Jwk, privateMembers: Record<string, string>): Jwk =>
  orderJwk({ ...publicJwk, ...privateMembers })
