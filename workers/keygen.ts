// A piscina worker: key generation, and vetting of imported keys. It imports
// crypto code and nothing else, so a worker thread never loads Fastify, the
// database or the master key.
import { getPriority } from 'node:os'
import { generateJwk } from '../src/crypto/generate-jwk.js'
import { inspectJwk, type InspectResult } from '../src/crypto/inspect-jwk.js'
import type { KeygenResult, KeygenTask } from '../src/crypto/keygen-task.js'
import type { BatchOutcome } from '../src/pool/task-batcher.js'

export default function keygen (task: KeygenTask): KeygenResult {
  // Timed here, not around pool.run: the metric is the generation, not the queue.
  const started = performance.now()
  const key = generateJwk(task)
  return { ...key, durationMs: performance.now() - started }
}

/** A batch of light keys (src/pool/task-batcher.ts): one outcome per task, so one failure fails only its own. */
export function generateMany (tasks: KeygenTask[]): Array<BatchOutcome<KeygenResult>> {
  return tasks.map(task => {
    try {
      return { ok: true, value: keygen(task) }
    } catch (err) {
      return { ok: false, error: (err as Error).message }
    }
  })
}

export function inspect (jwk: unknown): InspectResult {
  return inspectJwk(jwk)
}

/** This thread's nice value (getpriority on the calling thread). */
export function niceness (): number {
  return getPriority()
}
