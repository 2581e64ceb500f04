import { PendingBatch, type Outcome } from '../batching/pending-batch.js'
import { statement, type Db } from './database.js'

/** A write on its way (its key still being generated, say): the next batch waits for it, briefly. */
export interface Announcement<Tx> {
  run: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>
  /** The write will not come (the request failed first); idempotent, and a no-op once run. */
  withdraw: () => void
}

/** How writes reach the database: `work` runs in a transaction and gets its repositories. */
export interface Commits<Tx> {
  run: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>
  /** A write is coming: a backend that batches writes may wait for it. */
  announce: () => Announcement<Tx>
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

type Work<Tx> = (tx: Tx) => Promise<unknown>

/**
 * Group commit: writes handed in together share one IMMEDIATE transaction, so
 * one fsync (synchronous=FULL) makes all of them durable. Each write runs in
 * its own savepoint: one that throws (a name clash, say) is rolled back alone
 * and rejects alone. A write resolves only after the commit, so "resolved"
 * still means "on disk".
 *
 * The work is asynchronous to match the other backends, but on this one every
 * repository call answers at once: a batch runs start to end in one turn of
 * the event loop, and no other request's code runs inside its transaction.
 */
export class GroupCommit<Tx> implements Commits<Tx> {
  readonly #db: Db
  readonly #tx: Tx
  readonly #batch = new PendingBatch<Work<Tx>, unknown>()
  /** announced writes not handed in yet */
  #coming = 0
  #immediate: NodeJS.Immediate | undefined
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  readonly #maxWaitMs: number

  constructor (db: Db, tx: Tx, options: { maxWaitMs?: number } = {}) {
    this.#db = db
    this.#tx = tx
    this.#maxWaitMs = options.maxWaitMs ?? MAX_BATCH_WAIT_MS
  }

  async run<T> (work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = this.#batch.add(work)
    this.#schedule()
    return await (result as Promise<T>)
  }

  announce (): Announcement<Tx> {
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
    // A work that awaited something slow would still hold the transaction: the next batch waits its turn.
    if (this.#flushing !== undefined) {
      this.#flushing.then(() => this.#schedule(), () => this.#schedule())
      return
    }
    this.#flushing = this.#commit().finally(() => { this.#flushing = undefined })
  }

  async #commit (): Promise<void> {
    const batch = this.#batch.take()
    const outcomes: Array<Outcome<unknown>> = []
    try {
      statement(this.#db, 'BEGIN IMMEDIATE').run()
    } catch (err) {
      batch.fail(err)
      return
    }
    try {
      for (const work of batch.items) {
        statement(this.#db, 'SAVEPOINT work').run()
        try {
          outcomes.push({ ok: true, value: await work(this.#tx) })
          statement(this.#db, 'RELEASE work').run()
        } catch (error) {
          statement(this.#db, 'ROLLBACK TO work').run()
          statement(this.#db, 'RELEASE work').run()
          outcomes.push({ ok: false, error })
        }
      }
      statement(this.#db, 'COMMIT').run()
    } catch (err) {
      // The commit itself failed: nothing of the batch is on disk.
      if (this.#db.inTransaction) statement(this.#db, 'ROLLBACK').run()
      batch.fail(err)
      return
    }
    batch.settle(outcomes)
  }
}
