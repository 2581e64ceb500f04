// A piscina worker: key generation only. It imports crypto code and nothing else,
// so a worker thread never loads Fastify, the database or the master key.
import { generateJwk } from '../src/crypto/generate-jwk.js'
import type { GeneratedKey, KeygenTask } from '../src/crypto/keygen-task.js'

export default function keygen (task: KeygenTask): GeneratedKey {
  return generateJwk(task)
}
