import { Piscina } from 'piscina'
import { completeJwk, generateKeyMembersAsync } from '../crypto/generate-jwk.js'
import type { InspectResult } from '../crypto/inspect-jwk.js'
import type { KeyPairInput, ReadKeyResult } from '../crypto/key-material.js'
import type { KeystoreInput, ReadKeystoreResult } from '../crypto/keystore.js'
import type { KeygenResult, KeygenTask } from '../crypto/keygen-task.js'
import { ClientGoneError, ServiceUnavailableError } from '../errors.js'
import { workerFile, type WorkerFiles } from '../worker-files.js'

/** RSA (seconds per key) and the rest (microseconds) never share a queue: an EC key must not wait behind RSA-4096. */
export type Lane = 'heavy' | 'light'
export const LANES: readonly Lane[] = ['heavy', 'light']

/** Lowest CPU priority: RSA gets every idle cycle, and yields them to the event loop. */
const HEAVY_NICE = 19

/** An idle thread still holds a V8 heap; starting one costs far less than an RSA key. */
const HEAVY_IDLE_MS = 60_000

/** Key generation keeps nothing across tasks: a small young generation saves 10–20 MB per thread. */
const WORKER_YOUNG_GENERATION_MB = 4

/** A libuv job that never returns cannot be cancelled: failing /ready asks for the restart that helps. */
export const LIGHT_STALL_MS = 30_000

/** libuv's thread pool, which the light lane's keys share with file and DNS work. */
const LIBUV_THREADS = Number(process.env.UV_THREADPOOL_SIZE ?? 4)

/** Whether a lane is getting anywhere: when it last finished a task, or took work while idle. */
export class LaneProgress {
  #pending = 0
  #since = 0

  /** tasks handed in and not finished */
  get pending (): number {
    return this.#pending
  }

  start (now: number): void {
    if (this.#pending++ === 0) this.#since = now
  }

  finish (now: number): void {
    this.#pending--
    this.#since = now
  }

  stalled (now: number, limitMs: number): boolean {
    return this.#pending > 0 && now - this.#since >= limitMs
  }
}

export interface KeygenPoolOptions {
  /** heavy-lane threads (RSA generation, import vetting) */
  size: number
  /** queued tasks per lane before 503 (light lane: keys in flight) */
  maxQueue: number
  /** see LIGHT_STALL_MS */
  /** where the keygen worker is, when not beside src/ */
  workers?: WorkerFiles
  stallMs?: number
  /** told about every generation and every refusal, for metrics */
  observer?: {
    generated: (task: KeygenTask, seconds: number) => void
    rejected: () => void
  }
}

type Pool = Piscina<unknown, KeygenResult | InspectResult>

export const laneOfTask = (task: KeygenTask): Lane => task.material.kty === 'RSA' ? 'heavy' : 'light'

/** A light key, from libuv's pool; timed like a worker times its own. */
async function generateLight (task: KeygenTask): Promise<KeygenResult> {
  const started = performance.now()
  const members = await generateKeyMembersAsync(task.material as Exclude<KeygenTask['material'], { kty: 'RSA' }>)
  return { ...completeJwk(task, members), durationMs: performance.now() - started }
}

/**
 * The only way key material gets made or vetted, each lane bounded, so a
 * flood of requests is refused (503) instead of queued without limit.
 */
export class KeygenPool {
  readonly #heavy: Pool
  readonly #maxQueue: number
  readonly #observer: KeygenPoolOptions['observer']
  readonly #lightProgress = new LaneProgress()
  readonly #stallMs: number
  #closed = false

  constructor (options: KeygenPoolOptions) {
    this.#maxQueue = options.maxQueue
    this.#observer = options.observer
    this.#stallMs = options.stallMs ?? LIGHT_STALL_MS
    this.#heavy = new Piscina({
      filename: workerFile('keygen', options.workers).href,
      minThreads: 0,
      maxThreads: options.size,
      idleTimeout: HEAVY_IDLE_MS,
      maxQueue: options.maxQueue,
      niceIncrement: HEAVY_NICE,
      // Idle workers wait on a message port, not in Atomics.wait ('sync' left workers asleep with tasks queued).
      atomics: 'disabled',
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }
    })
  }

  /** Threads running now: the heavy lane's come and go with RSA work; the light lane's are libuv's. */
  size (lane: Lane): number {
    return lane === 'heavy' ? this.#heavy.threads.length : LIBUV_THREADS
  }

  /** Whether the pool can take work: not closed, and the light lane not stuck (the heavy lane starts threads on demand). */
  ready (): boolean {
    return !this.#closed && !this.#lightProgress.stalled(Date.now(), this.#stallMs)
  }

  /** Heavy lane: tasks waiting for a thread. Light lane: keys in flight. */
  queueSize (lane: Lane): number {
    return lane === 'light' ? this.#lightProgress.pending : this.#heavy.queueSize
  }

  utilization (lane: Lane): number {
    return lane === 'heavy' ? this.#heavy.utilization : Math.min(1, this.#lightProgress.pending / LIBUV_THREADS)
  }

  async generate (task: KeygenTask, signal?: AbortSignal): Promise<KeygenResult> {
    const lane = laneOfTask(task)
    const result = await this.#run(lane, signal, () => lane === 'light'
      ? generateLight(task)
      : this.#heavy.run(task, { signal: signal ?? null })) as KeygenResult
    this.#observer?.generated(task, result.durationMs / 1000)
    return result
  }

  /** Imports and cross-checks a JWK someone brought (see inspectJwk), in the heavy lane: RSA checks cost, imports are rare. */
  async inspect (jwk: unknown, signal?: AbortSignal): Promise<InspectResult> {
    return await this.#run('heavy', signal, () => this.#heavy.run(jwk, { name: 'inspect', signal: signal ?? null })) as InspectResult
  }

  /** Reads, decrypts and vets a key file someone brought (see readKeyPair), in the heavy lane: PBKDF2 and RSA checks cost. */
  async readKey (input: KeyPairInput, signal?: AbortSignal): Promise<ReadKeyResult> {
    return await this.#run('heavy', signal, () => this.#heavy.run(input, { name: 'readKey', signal: signal ?? null })) as ReadKeyResult
  }

  /** Opens and vets a keystore someone brought (see readKeystore), in the heavy lane: its key derivations and RSA checks cost. */
  async readKeystore (input: KeystoreInput, signal?: AbortSignal): Promise<ReadKeystoreResult> {
    return await this.#run('heavy', signal, () => this.#heavy.run(input, { name: 'readKeystoreFile', signal: signal ?? null })) as ReadKeystoreResult
  }

  /** Within the lane's bound. Only RSA is worth cancelling (piscina ends the thread); a light key finishes and is dropped. */
  async #run (lane: Lane, signal: AbortSignal | undefined, submit: () => Promise<unknown>): Promise<unknown> {
    // piscina's own maxQueue does not count tasks that carry an AbortSignal
    // (they wait in a separate, unbounded queue), so the bound is kept here.
    if (this.queueSize(lane) >= this.#maxQueue) throw this.#busy()
    // A function, not a value: the signal changes while we wait.
    const clientGone = (): boolean => signal?.aborted === true
    if (clientGone()) throw new ClientGoneError()
    try {
      const result = await (lane === 'light' ? this.#trackLight(submit()) : submit())
      if (clientGone()) throw new ClientGoneError()
      return result
    } catch (err) {
      if ((err as Error).message === 'Task queue is at limit') throw this.#busy()
      if (clientGone()) throw new ClientGoneError()
      throw err
    }
  }

  async #trackLight<T> (task: Promise<T>): Promise<T> {
    this.#lightProgress.start(Date.now())
    try {
      return await task
    } finally {
      this.#lightProgress.finish(Date.now())
    }
  }

  #busy (): ServiceUnavailableError {
    this.#observer?.rejected()
    return new ServiceUnavailableError('The key generation queue is full; retry shortly', 1)
  }

  async close (): Promise<void> {
    this.#closed = true
    await this.#heavy.close({ force: true })
  }
}
