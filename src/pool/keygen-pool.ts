import { Piscina } from 'piscina'
import type { InspectResult } from '../crypto/inspect-jwk.js'
import type { KeygenResult, KeygenTask } from '../crypto/keygen-task.js'
import { ClientGoneError, ServiceUnavailableError } from '../errors.js'

// Tests run the .ts sources, production the compiled dist/: the worker sits
// beside src/ in both layouts (rootDir "."), with the same extension as this file.
const WORKER_FILE = new URL(`../../workers/keygen${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href

export interface KeygenPoolOptions {
  size: number
  maxQueue: number
  /** told about every generation and every refusal, for metrics */
  observer?: {
    generated: (task: KeygenTask, seconds: number) => void
    rejected: () => void
  }
}

/**
 * The only way key material gets made or vetted: a bounded piscina pool, so
 * the event loop never runs a key generation and a flood of requests is
 * refused (503) instead of queued without limit.
 */
export class KeygenPool {
  readonly #pool: Piscina<KeygenTask | unknown, KeygenResult | InspectResult>
  readonly #maxQueue: number
  readonly #observer: KeygenPoolOptions['observer']

  constructor (options: KeygenPoolOptions) {
    this.#maxQueue = options.maxQueue
    this.#observer = options.observer
    this.#pool = new Piscina<KeygenTask | unknown, KeygenResult | InspectResult>({
      filename: WORKER_FILE,
      minThreads: options.size,
      maxThreads: options.size,
      maxQueue: options.maxQueue
    })
  }

  get size (): number {
    return this.#pool.threads.length
  }

  get queueSize (): number {
    return this.#pool.queueSize
  }

  get utilization (): number {
    return this.#pool.utilization
  }

  async generate (task: KeygenTask, signal?: AbortSignal): Promise<KeygenResult> {
    const result = await this.#run(task, 'default', signal) as KeygenResult
    this.#observer?.generated(task, result.durationMs / 1000)
    return result
  }

  /** Imports and cross-checks a JWK someone brought (see inspectJwk). */
  async inspect (jwk: unknown, signal?: AbortSignal): Promise<InspectResult> {
    return await this.#run(jwk, 'inspect', signal) as InspectResult
  }

  async #run (task: unknown, name: string, signal: AbortSignal | undefined): Promise<KeygenResult | InspectResult> {
    // piscina's own maxQueue does not count tasks that carry an AbortSignal
    // (they wait in a separate, unbounded queue), so the bound is kept here.
    if (this.#pool.queueSize >= this.#maxQueue) throw this.#busy()
    try {
      return await this.#pool.run(task, { name, signal: signal ?? null })
    } catch (err) {
      if ((err as Error).message === 'Task queue is at limit') throw this.#busy()
      if (signal?.aborted === true) throw new ClientGoneError()
      throw err
    }
  }

  #busy (): ServiceUnavailableError {
    this.#observer?.rejected()
    return new ServiceUnavailableError('The key generation queue is full; retry shortly', 1)
  }

  async close (): Promise<void> {
    await this.#pool.close({ force: true })
  }
}
