import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync, type JsonWebKeyInput } from 'node:crypto'
import { edwardsKeyProblem } from './edwards.js'

const ECDH_CURVES: Record<string, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1', secp256k1: 'secp256k1' }

/**
 * Whether `d` really makes the point (`x`, `y`): Node's import takes the
 * public members as given, so another key's `d` would import fine.
 */
export function ecPrivateProblem (members: { crv: string, x: string, y: string, d: string }): string | undefined {
  const ecdh = createECDH(ECDH_CURVES[members.crv] as string)
  try {
    ecdh.setPrivateKey(Buffer.from(members.d, 'base64url'))
  } catch {
    return `"d" is not a private key on ${members.crv}`
  }
  const point = ecdh.getPublicKey()
  const size = (point.length - 1) / 2
  const x = Buffer.from(members.x, 'base64url')
  const y = Buffer.from(members.y, 'base64url')
  const matches = x.length === size && y.length === size && point.subarray(1, 1 + size).equals(x) && point.subarray(1 + size).equals(y)
  return matches ? undefined : 'the private key "d" does not make the public point ("x", "y")'
}

/**
 * Why an OKP public key is unusable, or undefined: a small-order point
 * (all-zero among them) makes every signature check or key agreement with
 * it meaningless.
 */
export function okpPublicProblem (crv: string, x: string): string | undefined {
  if (crv === 'Ed25519' || crv === 'Ed448') return edwardsKeyProblem(crv, Buffer.from(x, 'base64url'))
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv, x }, format: 'jwk' } as JsonWebKeyInput)
  // OpenSSL refuses an agreement whose secret is all zero: exactly the small-order points.
  const { privateKey } = crv === 'X25519' ? generateKeyPairSync('x25519') : generateKeyPairSync('x448')
  try {
    diffieHellman({ privateKey, publicKey })
    return undefined
  } catch {
    return '"x" is a point of small order: no shared secret can be agreed with it'
  }
}
