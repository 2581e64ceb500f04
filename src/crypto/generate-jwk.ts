import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import type { Jwk, KeyMaterialSpec } from './jwk.js'
import { orderJwk } from './jwk.js'
import { hashKid } from './kid.js'
import type { GeneratedKey, KeygenTask } from './keygen-task.js'
import { jwkThumbprint } from './thumbprint.js'

const RSA_PUBLIC_EXPONENT = 0x10001

function exportPrivate (privateKey: KeyObject): Jwk {
  return privateKey.export({ format: 'jwk' }) as Jwk
}

/** Fresh key material from Node's CSPRNG, as JWK members (kty included). */
export function generateKeyMembers (spec: KeyMaterialSpec): Jwk {
  switch (spec.kty) {
    case 'RSA':
      return exportPrivate(generateKeyPairSync('rsa', {
        modulusLength: spec.modulusLength,
        publicExponent: RSA_PUBLIC_EXPONENT
      }).privateKey)
    case 'EC':
      return exportPrivate(generateKeyPairSync('ec', { namedCurve: spec.crv }).privateKey)
    case 'OKP': {
      // generateKeyPairSync's overloads want a literal type; the four are all valid here.
      const type = spec.crv.toLowerCase() as 'ed25519'
      return exportPrivate(generateKeyPairSync(type).privateKey)
    }
    case 'oct':
      return { kty: 'oct', k: randomBytes(spec.bits / 8).toString('base64url') }
  }
}

/** The whole of a keygen task: material, metadata members, kid, thumbprint. Runs in a worker. */
export function generateJwk (task: KeygenTask): GeneratedKey {
  const members = generateKeyMembers(task.material)
  const jwk: Jwk = { ...members, use: task.use, iat: task.iat, nbf: task.nbf, exp: task.exp }
  if (task.alg !== undefined) jwk.alg = task.alg
  const kid = task.kid ?? (task.hashKid === undefined ? undefined : hashKid(task.hashKid, members))
  if (kid !== undefined) jwk.kid = kid
  return { jwk: orderJwk(jwk), thumbprint: jwkThumbprint(members) }
}
