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

/** Every private JWK member (RFC 7518 §6): written out here, not taken from src/, so a member src/ forgot is still caught. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const
