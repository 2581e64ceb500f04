import { generateKeyPairSync } from 'node:crypto'

/**
 * A fresh private JWK straight from Node's key generation. Taken from the
 * generation call, not by exporting the returned KeyObject: on Node 20 that
 * export can deadlock the thread (src/crypto/generate-jwk.ts says how).
 */
export function freshPrivateJwk (type: string, options: object = {}): Record<string, string> {
  const generate = generateKeyPairSync as unknown as (type: string, options: object) => { privateKey: Record<string, string> }
  return generate(type, { ...options, privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } }).privateKey
}
