import { Piscina } from 'piscina'
import type { InspectResult } from '../crypto/inspect-jwk.js'
import type { KeygenResult, KeygenTask } from '../crypto/keygen-task.js'
import { ClientGoneError, ServiceUnavailableError } from '../errors.js'
import { workerFile } from '../worker-files.js'
import { TaskBatcher, type BatchOutcome } from './task-batcher.js'

/**
 * RSA work (seconds per key) and everything else (well under a millisecond)
 * go to separate lanes, so an EC key never waits behind RSA-4096 jobs.
 */
export type Lane = 'heavy' | 'light'
export const LANES: readonly Lane[] = ['heavy', 'light']

/**
 * Heavy workers run at the lowest CPU priority (nice 19; on Linux a thread's
 * nice value is its own): alone they get every free cycle, but the event
 * loop and light keys take the CPU from them whenever they need it.
 */
const HEAVY_NICE = 19

/**
 * RSA threads exist while there is RSA work (and a minute after): most
 * deployments generate EC and OKP keys, and an idle thread still holds a
 * V8 heap of its own. Starting one costs tens of milliseconds; an RSA key
 * takes hundreds at least. The light lane's threads are always there.
 */
const HEAVY_IDLE_MS = 60_000

/**
 * A busy worker's V8 young generation grows to 32 MB, and stays: key
 * generation keeps nothing alive across tasks, so a small one costs only a
 * few more scavenges (no throughput change measured) and took 10–20 MB off
 * the RSS in bench P5. Only the young generation is capped: an
 * old-generation limit would kill a worker that reached it.
 */
const WORKER_YOUNG_GENERATION_MB = 4

/**
 * How long the light lane may hold work without finishing any before /ready
 * fails. Its tasks take well under a millisecond. A thread that never comes
 * back (a native deadlock, like the one src/crypto/generate-jwk.ts avoids)
 * cannot be terminated: only a restart helps, and readiness is how an
 * orchestrator learns it should do one.
 */
export const LIGHT_STALL_MS = 30_000

/**
 * Light keys handed in during one turn go to a worker together, up to this
 * many per message: a burst of fifty at c = 50 is two messages, not fifty,
 * and with two light threads both get some.
 */
const LIGHT_BATCH_MAX = 32

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
  /** heavy-lane threads; the light lane gets half as many, at least one */
  size: number
  /** queued tasks per lane before 503 */
  maxQueue: number
  /** see LIGHT_STALL_MS */
  stallMs?: number
  /** told about every generation and every refusal, for metrics */
  observer?: {
    generated: (task: KeygenTask, seconds: number) => void
    rejected: () => void
  }
}

type Pool = Piscina<unknown, Array<BatchOutcome<KeygenResult>> | KeygenResult | InspectResult | number>

export const laneOfTask = (task: KeygenTask): Lane => task.material.kty === 'RSA' ? 'heavy' : 'light'
const laneOfJwk = (jwk: unknown): Lane => (jwk as { kty?: unknown } | null)?.kty === 'RSA' ? 'heavy' : 'light'

/**
 * The only way key material gets made or vetted: bounded piscina pools, so
 * the event loop never runs a key generation and a flood of requests is
 * refused (503) instead of queued without limit.
 */
export class KeygenPool {
  readonly #pools: Record<Lane, Pool>
  readonly #maxQueue: number
  readonly #observer: KeygenPoolOptions['observer']
  readonly #lightProgress = new LaneProgress()
  readonly #lightBatches: TaskBatcher<KeygenTask, KeygenResult>
  readonly #stallMs: number
  #closed = false

  constructor (options: KeygenPoolOptions) {
    this.#maxQueue = options.maxQueue
    this.#observer = options.observer
    this.#stallMs = options.stallMs ?? LIGHT_STALL_MS
    const filename = workerFile('keygen').href
    // One light thread per two heavy ones. A second light thread on two cores
    // made durable EC generates 11–13 % faster (batched keys, fourth session)
    // and cost 18–32 MB of RSS: JWKD_POOL_SIZE=4 buys it.
    const lightThreads = Math.max(1, Math.floor(options.size / 2))
    const pool = ({ threads, alwaysOn, niceIncrement }: { threads: number, alwaysOn: number, niceIncrement: number }): Pool => new Piscina({
      filename,
      minThreads: alwaysOn,
      maxThreads: threads,
      ...(alwaysOn < threads ? { idleTimeout: HEAVY_IDLE_MS } : {}),
      maxQueue: options.maxQueue,
      niceIncrement,
      // Idle workers wait for tasks on a message port, not in Atomics.wait: under
      // a steady stream of small tasks, 'sync' mode left the light lane's worker
      // asleep with fifty tasks queued for seconds at a time (bench P3, 2026-11-30).
      atomics: 'disabled',
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB }
    })
    this.#pools = {
      heavy: pool({ threads: options.size, alwaysOn: 0, niceIncrement: HEAVY_NICE }),
      light: pool({ threads: lightThreads, alwaysOn: lightThreads, niceIncrement: 0 })
    }
    this.#lightBatches = new TaskBatcher(async tasks =>
      await this.#pools.light.run(tasks, { name: 'generateMany' }) as Array<BatchOutcome<KeygenResult>>, LIGHT_BATCH_MAX)
  }

  /** Threads running now (the heavy lane's come and go with RSA work). */
  size (lane: Lane): number {
    return this.#pools[lane].threads.length
  }

  /** The lane's worker thread ids: a thread that is torn down and replaced shows as a new id. */
  threadIds (lane: Lane): number[] {
    return this.#pools[lane].threads.map(thread => thread.threadId)
  }

  /**
   * Whether the pool can take work: its always-on threads are up (the heavy
   * lane starts its own on demand) and the light lane is not stuck.
   */
  ready (): boolean {
    return this.#pools.light.threads.length > 0 && !this.#closed && !this.#lightProgress.stalled(Date.now(), this.#stallMs)
  }

  /** Heavy lane: tasks waiting for a thread. Light lane: keys handed in and not yet back (they travel in batches). */
  queueSize (lane: Lane): number {
    return lane === 'light' ? this.#lightProgress.pending : this.#pools.heavy.queueSize
  }

  utilization (lane: Lane): number {
    return this.#pools[lane].utilization
  }

  async generate (task: KeygenTask, signal?: AbortSignal): Promise<KeygenResult> {
    const lane = laneOfTask(task)
    const result = await this.#run(lane, signal, () => lane === 'light'
      ? this.#lightBatches.run(task)
      : this.#pools.heavy.run(task, { signal: signal ?? null })) as KeygenResult
    this.#observer?.generated(task, result.durationMs / 1000)
    return result
  }

  /** Imports and cross-checks a JWK someone brought (see inspectJwk). */
  async inspect (jwk: unknown, signal?: AbortSignal): Promise<InspectResult> {
    const lane = laneOfJwk(jwk)
    return await this.#run(lane, signal, () => this.#pools[lane].run(jwk, { name: 'inspect', signal: lane === 'light' ? null : signal ?? null })) as InspectResult
  }

  /** The nice value a lane's worker runs at: proof the priority took effect. */
  async niceness (lane: Lane): Promise<number> {
    return await this.#run(lane, undefined, () => this.#pools[lane].run(null, { name: 'niceness' })) as number
  }

  /**
   * Runs `submit` within the lane's bound. piscina cancels a running task by
   * terminating its thread: worth it for an RSA key (seconds of work), so the
   * heavy lane gets the client's signal. A light task is done in well under a
   * millisecond, and a thread torn down and restarted under a burst of them
   * cost far more — so light tasks always finish, and a client that left
   * meanwhile gets nothing stored.
   */
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
    await Promise.all(LANES.map(lane => this.#pools[lane].close({ force: true })))
  }
}
