import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { Jwk, KeyMaterialSpec } from './jwk.js'
import { orderJwk } from './jwk.js'
import { hashKid } from './kid.js'
import type { GeneratedKey, KeygenTask } from './keygen-task.js'
import { jwkThumbprint } from './thumbprint.js'

const RSA_PUBLIC_EXPONENT = 0x10001

/**
 * The private JWK comes out of the generation call itself, never from
 * exporting the KeyObject it returns: on Node 20 that export can deadlock its
 * thread for good. The export holds the key's mutex; when an allocation under
 * it runs a GC that finalizes the finished KeyGenJob sharing that key, the
 * job's destructor waits on the same mutex (gdb: ~KeyGenJob → uv_mutex_lock
 * under SetEncodedValue). It froze the light lane under load; the test
 * test/crypto/generate-jwk.test.ts shows the old way hanging and this one not.
 */
const JWK_OUT = { privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } } as const

// @types/node 20 does not list keygen's 'jwk' encoding (Node has it since 15.9).
const generateJwkPair = generateKeyPairSync as unknown as (type: string, options: object) => { privateKey: Jwk }
const generateJwkPairAsync = generateKeyPair as unknown as (type: string, options: object, done: (err: Error | null, publicKey: Jwk, privateKey: Jwk) => void) => void

/** Fresh key material from Node's CSPRNG, as JWK members (kty included). */
export function generateKeyMembers (spec: KeyMaterialSpec): Jwk {
  switch (spec.kty) {
    case 'RSA':
      return generateJwkPair('rsa', { modulusLength: spec.modulusLength, publicExponent: RSA_PUBLIC_EXPONENT, ...JWK_OUT }).privateKey
    case 'EC':
      return generateJwkPair('ec', { namedCurve: spec.crv, ...JWK_OUT }).privateKey
    case 'OKP':
      return generateJwkPair(spec.crv.toLowerCase(), JWK_OUT).privateKey
    case 'oct':
      return { kty: 'oct', k: randomBytes(spec.bits / 8).toString('base64url') }
  }
}

/**
 * The same for EC and OKP keys, made in libuv's thread pool: no isolate, no
 * structured clone, and the event loop only sees the finished JWK. A secret
 * is a few random bytes, made where it is asked for.
 */
export async function generateKeyMembersAsync (spec: Exclude<KeyMaterialSpec, { kty: 'RSA' }>): Promise<Jwk> {
  if (spec.kty === 'oct') return generateKeyMembers(spec)
  const [type, options] = spec.kty === 'EC' ? ['ec', { namedCurve: spec.crv, ...JWK_OUT }] : [spec.crv.toLowerCase(), JWK_OUT]
  return await new Promise<Jwk>((resolve, reject) => {
    generateJwkPairAsync(type, options, (err, _publicKey, privateKey) => err === null ? resolve(privateKey) : reject(err))
  })
}

/** A keygen task's JWK around fresh members: metadata members, kid, thumbprint. */
export function completeJwk (task: KeygenTask, members: Jwk): GeneratedKey {
  const jwk: Jwk = { ...members, use: task.use, iat: task.iat, nbf: task.nbf, exp: task.exp }
  if (task.alg !== undefined) jwk.alg = task.alg
  const kid = task.kid ?? (task.hashKid === undefined ? undefined : hashKid(task.hashKid, members))
  if (kid !== undefined) jwk.kid = kid
  return { jwk: orderJwk(jwk), thumbprint: jwkThumbprint(members) }
}

/** The whole of a keygen task, synchronously: what a worker thread does for an RSA key. */
export const generateJwk = (task: KeygenTask): GeneratedKey => completeJwk(task, generateKeyMembers(task.material))
