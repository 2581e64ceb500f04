import type { ReconcileReport } from './snapshot-target.js'

/** The longest wait between repairs that keep failing: a broken environment costs one reconcile per 30 s. */
const MAX_DELAY_MS = 30_000

export interface RepairOptions {
  /** ms before the first repair after a failed deploy; doubled after each that fails, up to 30 s. 0: never (the next start repairs) */
  firstDelayMs?: number
  /** each repair's outcome, for the log */
  onRepaired?: (report: ReconcileReport) => void
  onFailed?: (err: unknown) => void
}

/**
 * When to reconcile again after a deploy failed somewhere: a key stored but
 * missing from an environment (a disk that refused, a database that went
 * away between the key's commit and its deploy) is published once the
 * environment can be written, without waiting for a restart. Repairs back
 * off while they keep failing, and stop once one leaves nothing failed.
 */
export class RepairSchedule {
  readonly #firstDelayMs: number
  readonly #maxDelayMs: number
  readonly #options: RepairOptions
  readonly #wake: () => void
  #delayMs: number
  #timer: NodeJS.Timeout | undefined
  #due = false
  #stopped = false

  constructor (options: RepairOptions, wake: () => void) {
    this.#firstDelayMs = options.firstDelayMs ?? 1000
    this.#maxDelayMs = Math.max(this.#firstDelayMs, MAX_DELAY_MS)
    this.#delayMs = this.#firstDelayMs
    this.#options = options
    this.#wake = wake
  }

  /** A deploy failed somewhere: repair after the current delay (one pending repair covers every failure before it). */
  needed (): void {
    if (this.#stopped || this.#firstDelayMs === 0 || this.#timer !== undefined || this.#due) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#due = true
      this.#wake()
    }, this.#delayMs)
    this.#timer.unref()
  }

  /** Whether a repair should run now; asking takes it. */
  due (): boolean {
    const due = this.#due && !this.#stopped
    this.#due = false
    return due
  }

  done (report: ReconcileReport): void {
    this.#options.onRepaired?.(report)
    if (report.failed.length === 0) {
      this.#delayMs = this.#firstDelayMs
      return
    }
    this.#backOff()
  }

  failed (err: unknown): void {
    this.#options.onFailed?.(err)
    this.#backOff()
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #backOff (): void {
    this.#delayMs = Math.min(this.#delayMs * 2, this.#maxDelayMs)
    this.needed()
  }
}
