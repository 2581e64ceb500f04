import { createPrivateKey, createPublicKey, type JsonWebKeyInput } from 'node:crypto'
import type { Jwk } from './jwk.js'

/**
 * An asymmetric JWK as PEM: PKCS#8 when it carries its private members,
 * else the SubjectPublicKeyInfo. Keys imported from JWK text, never from a
 * key generation job, so the export cannot meet the Node 20 deadlock
 * generate-jwk.ts avoids.
 */
export function jwkToPem (jwk: Jwk): { pem: string, part: 'private' | 'public' } {
  const input = { key: jwk, format: 'jwk' } as JsonWebKeyInput
  if (typeof jwk.d === 'string') return { pem: createPrivateKey(input).export({ type: 'pkcs8', format: 'pem' }) as string, part: 'private' }
  return { pem: createPublicKey(input).export({ type: 'spki', format: 'pem' }) as string, part: 'public' }
}
