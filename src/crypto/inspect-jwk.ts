import { createPrivateKey, createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto'
import { isCanonicalBase64url } from './base64url.js'
import { ecPrivateProblem, okpPublicProblem } from './curve-soundness.js'
import type { Jwk, KeyMaterialSpec, KeyType } from './jwk.js'
import { orderJwk } from './jwk.js'
import { rsaPrivateProblem, rsaPublicProblem } from './rsa-soundness.js'
import { jwkThumbprint } from './thumbprint.js'

/** A key someone brought, proven importable and self-consistent. */
export interface InspectedKey {
  type: KeyType
  material: KeyMaterialSpec
  /** key material members only (kty, crv, n, e, x, y, d, …, k), ordered */
  members: Jwk
  hasPrivate: boolean
  thumbprint: string
}

export type InspectResult = { ok: true, key: InspectedKey } | { ok: false, reason: string }

const MIN_RSA_BITS = 2048
const MIN_OCT_BITS = 128
const CURVES: Record<string, readonly string[]> = {
  EC: ['P-256', 'P-384', 'P-521', 'secp256k1'],
  OKP: ['Ed25519', 'Ed448', 'X25519', 'X448']
}
const MATERIAL_MEMBERS: Record<string, readonly string[]> = {
  RSA: ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'],
  EC: ['crv', 'x', 'y', 'd'],
  OKP: ['crv', 'x', 'd'],
  oct: ['k']
}
const REQUIRED_PUBLIC: Record<string, readonly string[]> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'], oct: ['k'] }

class Rejected extends Error {}

const reject = (problem: string | undefined): void => {
  if (problem !== undefined) throw new Rejected(problem)
}

function pickMembers (input: Record<string, unknown>, kty: string): Jwk {
  const members: Jwk = { kty }
  for (const member of MATERIAL_MEMBERS[kty] ?? []) {
    const value = input[member]
    if (value === undefined) continue
    if (typeof value !== 'string' || (member !== 'crv' && (value === '' || !isCanonicalBase64url(value)))) {
      throw new Rejected(`member "${member}" must be a base64url string (canonical, unpadded)`)
    }
    members[member] = value
  }
  for (const member of REQUIRED_PUBLIC[kty] ?? []) {
    if (members[member] === undefined) throw new Rejected(`a ${kty} key needs the member "${member}"`)
  }
  if (input.oth !== undefined) throw new Rejected('multi-prime RSA keys ("oth") are not supported')
  return members
}

function importKey (members: Jwk, hasPrivate: boolean): KeyObject {
  try {
    const input = { key: members, format: 'jwk' } as JsonWebKeyInput
    return hasPrivate ? createPrivateKey(input) : createPublicKey(input)
  } catch (err) {
    throw new Rejected(`the key could not be imported: ${(err as Error).message}`)
  }
}

/** The public members a private key really has must be the ones the JWK claims (for OKP, Node derives them from `d`). */
function assertConsistent (key: KeyObject, members: Jwk): void {
  const derived = createPublicKey(key).export({ format: 'jwk' }) as Record<string, string>
  for (const member of ['n', 'e', 'x', 'y']) {
    if (derived[member] !== undefined && derived[member] !== members[member]) {
      throw new Rejected(`the private key does not match its public member "${member}"`)
    }
  }
}

function inspectAsymmetric (members: Jwk, kty: 'RSA' | 'EC' | 'OKP'): InspectedKey {
  if (kty !== 'RSA' && !(CURVES[kty] as readonly string[]).includes(String(members.crv))) {
    throw new Rejected(`curve ${JSON.stringify(String(members.crv).slice(0, 32))} is not supported for ${kty}; supported: ${(CURVES[kty] as readonly string[]).join(', ')}`)
  }
  const hasPrivate = members.d !== undefined
  // Before the import: a huge modulus costs the import itself dearly.
  const text = members as unknown as Record<string, string>
  if (kty === 'RSA') reject(rsaPublicProblem({ n: text.n!, e: text.e! }))
  const key = importKey(members, hasPrivate)
  if (hasPrivate) assertConsistent(key, members)
  // Node takes RSA and EC public members as given, and imports small-order OKP points: each proven here.
  if (kty === 'RSA' && hasPrivate) reject(rsaPrivateProblem(text))
  if (kty === 'EC' && hasPrivate) reject(ecPrivateProblem({ crv: text.crv!, x: text.x!, y: text.y!, d: text.d! }))
  if (kty === 'OKP' && !hasPrivate) reject(okpPublicProblem(text.crv!, text.x!))
  let material: KeyMaterialSpec
  if (kty === 'RSA') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < MIN_RSA_BITS) throw new Rejected(`RSA keys must be at least ${MIN_RSA_BITS} bits; this one is ${bits}`)
    material = { kty, modulusLength: bits }
  } else if (kty === 'EC') {
    material = { kty, crv: members.crv as 'P-256' }
  } else {
    material = { kty, crv: members.crv as 'Ed25519' }
  }
  // Re-export so every stored key has Node's canonical encoding of its members.
  const exported = key.export({ format: 'jwk' }) as Jwk
  const canonical = orderJwk({ ...exported, kty })
  return { type: kty, material, members: canonical, hasPrivate, thumbprint: jwkThumbprint(canonical) }
}

function inspectSecret (members: Jwk): InspectedKey {
  const bits = Buffer.from(String(members.k), 'base64url').length * 8
  if (bits < MIN_OCT_BITS) throw new Rejected(`symmetric keys must be at least ${MIN_OCT_BITS} bits; this one is ${bits}`)
  return { type: 'OCT', material: { kty: 'oct', bits }, members, hasPrivate: true, thumbprint: jwkThumbprint(members) }
}

/**
 * Vets a JWK from outside: a supported kty and curve, members of the right
 * form, a key Node's crypto really imports, and for private keys, public
 * members that belong to the private ones. Runs in a worker: RSA checks cost.
 */
export function inspectJwk (input: unknown): InspectResult {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Rejected('a JWK must be a JSON object')
    const record = input as Record<string, unknown>
    const kty = record.kty
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP' && kty !== 'oct') {
      throw new Rejected(`kty ${JSON.stringify(String(kty).slice(0, 16))} is not supported; supported: RSA, EC, OKP, oct`)
    }
    const members = pickMembers(record, kty)
    return { ok: true, key: kty === 'oct' ? inspectSecret(members) : inspectAsymmetric(members, kty) }
  } catch (err) {
    if (err instanceof Rejected) return { ok: false, reason: err.message }
    throw err
  }
}
