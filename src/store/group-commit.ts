import { PendingBatch, type Outcome } from '../batching/pending-batch.js'
import type { Db } from './database.js'

/** A write on its way (its key still being generated, say): the next batch waits for it, briefly. */
export interface Announcement {
  run: <T>(work: () => T) => Promise<T>
  /** The write will not come (the request failed first); idempotent, and a no-op once run. */
  withdraw: () => void
}

/**
 * The longest a batch waits for announced writes. Under load, one commit for
 * fifty keys instead of fifty commits; idle, nothing is announced and a lone
 * write commits on the next turn of the event loop. Mostly the wait ends
 * sooner, when the last announced write arrives (its key out of the pool):
 * this only bounds it. A commit blocks the event loop (better-sqlite3 is
 * synchronous, the fsync included), so fewer, larger commits are main-thread
 * time saved: at c = 50, 2 ms gave batches of ~7 and 2 400 req/s, 10 ms
 * batches of ~47 and 3 100 req/s with a lower p99 (bench P3).
 */
export const MAX_BATCH_WAIT_MS = 10

/**
 * Group commit: writes handed in together share one IMMEDIATE transaction, so
 * one fsync (synchronous=FULL) makes all of them durable. Each write runs in
 * its own savepoint: one that throws (a name clash, say) is rolled back alone
 * and rejects alone. A write resolves only after the commit, so "resolved"
 * still means "on disk".
 */
export class GroupCommit {
  readonly #db: Db
  readonly #savepoint: (work: () => unknown) => unknown
  readonly #batch = new PendingBatch<() => unknown, unknown>()
  /** announced writes not handed in yet */
  #coming = 0
  #immediate: NodeJS.Immediate | undefined
  #timer: NodeJS.Timeout | undefined
  readonly #maxWaitMs: number

  constructor (db: Db, options: { maxWaitMs?: number } = {}) {
    this.#db = db
    this.#maxWaitMs = options.maxWaitMs ?? MAX_BATCH_WAIT_MS
    // A transaction function called inside a transaction runs as a savepoint.
    this.#savepoint = db.transaction((work: () => unknown) => work())
  }

  async run<T> (work: () => T): Promise<T> {
    const result = this.#batch.add(work)
    this.#schedule()
    return await (result as Promise<T>)
  }

  announce (): Announcement {
    this.#coming++
    let pending = true
    const settle = (): void => {
      if (!pending) return
      pending = false
      this.#coming--
      if (this.#batch.size > 0) this.#schedule()
    }
    return {
      run: async work => {
        const result = this.run(work)
        settle()
        return await result
      },
      withdraw: settle
    }
  }

  /** Commit on the next turn once nobody announced is missing; otherwise within the longest wait. */
  #schedule (): void {
    if (this.#coming === 0) {
      this.#immediate ??= setImmediate(() => this.#flush())
    } else {
      this.#timer ??= setTimeout(() => this.#flush(), this.#maxWaitMs)
    }
  }

  #flush (): void {
    clearImmediate(this.#immediate)
    clearTimeout(this.#timer)
    this.#immediate = undefined
    this.#timer = undefined
    if (this.#batch.size === 0) return
    const batch = this.#batch.take()
    const outcomes: Array<Outcome<unknown>> = []
    try {
      this.#db.transaction(() => {
        for (const work of batch.items) {
          try {
            outcomes.push({ ok: true, value: this.#savepoint(work) })
          } catch (error) {
            outcomes.push({ ok: false, error })
          }
        }
      }).immediate()
    } catch (err) {
      // The commit itself failed: nothing of the batch is on disk.
      batch.fail(err)
      return
    }
    batch.settle(outcomes)
  }
}
