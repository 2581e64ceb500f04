// A piscina worker: RSA key generation, and vetting of imported keys, key files and keystores. It imports
// crypto code and nothing else, so a worker thread never loads Fastify, the
// database or the master key.
import { generateJwk } from '../src/crypto/generate-jwk.js'
import { inspectJwk, type InspectResult } from '../src/crypto/inspect-jwk.js'
import type { KeygenResult, KeygenTask } from '../src/crypto/keygen-task.js'
import { readKeyPair, type KeyPairInput, type ReadKeyResult } from '../src/crypto/key-material.js'
import { readKeystore, type KeystoreInput, type ReadKeystoreResult } from '../src/crypto/keystore.js'

export default function keygen (task: KeygenTask): KeygenResult {
  // Timed here, not around pool.run: the metric is the generation, not the queue.
  const started = performance.now()
  const key = generateJwk(task)
  return { ...key, durationMs: performance.now() - started }
}

export function inspect (jwk: unknown): InspectResult {
  return inspectJwk(jwk)
}

export function readKey (input: KeyPairInput): ReadKeyResult {
  return readKeyPair(input)
}

export function readKeystoreFile (input: KeystoreInput): ReadKeystoreResult {
  return readKeystore(input)
}
