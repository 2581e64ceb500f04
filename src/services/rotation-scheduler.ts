import type { Store } from '../store/store.js'
import type { RotationService } from './rotation-service.js'

/** Keys looked at per query; a tick goes on until none is due. */
const BATCH = 50

export interface SchedulerLog {
  error: (details: object, message: string) => void
}

/**
 * Runs what the rotation policies have due: every instance polls, and the
 * key's own lock decides which one does each change (RotationService.runDue).
 */
export class RotationScheduler {
  readonly #store: Store
  readonly #rotation: RotationService
  readonly #log: SchedulerLog
  #timer: NodeJS.Timeout | undefined
  #running: Promise<number> | undefined

  constructor (store: Store, rotation: RotationService, log: SchedulerLog) {
    this.#store = store
    this.#rotation = rotation
    this.#log = log
  }

  /**
   * Everything due by the store's clock. A key whose change fails is left to
   * the next tick, so one bad key cannot hold up the others.
   * @returns how many changes were made
   */
  async tick (): Promise<number> {
    this.#running ??= this.#tick().finally(() => { this.#running = undefined })
    return await this.#running
  }

  async #tick (): Promise<number> {
    const tried = new Set<string>()
    let done = 0
    for (;;) {
      const due = (await this.#store.jwks.due(this.#store.clock(), BATCH + tried.size)).filter(key => !tried.has(`${key.project.id}\0${key.name}`))
      // Bounded: a key that stayed due after its change would otherwise keep a tick going.
      if (due.length === 0 || done >= 1000) return done
      for (const key of due) {
        try {
          if (await this.#rotation.runDue(key.project, key.name)) done++
          else tried.add(`${key.project.id}\0${key.name}`)
        } catch (err) {
          tried.add(`${key.project.id}\0${key.name}`)
          if (!this.#store.isUnavailable(err)) this.#log.error({ project: key.project.name, jwk: key.name, err }, 'scheduled rotation failed; retried on the next tick')
        }
      }
    }
  }

  start (intervalMs: number): void {
    this.#timer = setInterval(() => { this.tick().catch(() => {}) }, intervalMs)
    this.#timer.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await this.#running?.catch(() => {})
  }
}
