import type { Db } from './database.js'

interface Pending {
  work: () => unknown
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

/**
 * Group commit: writes that requests hand in during one turn of the event
 * loop share one IMMEDIATE transaction, so one fsync (synchronous=FULL)
 * makes all of them durable. Each write runs in its own savepoint: one that
 * throws (a name clash, say) is rolled back alone and rejects alone. A write
 * resolves only after the commit, so "resolved" still means "on disk".
 */
export class GroupCommit {
  readonly #db: Db
  readonly #savepoint: (work: () => unknown) => unknown
  #batch: Pending[] = []

  constructor (db: Db) {
    this.#db = db
    // A transaction function called inside a transaction runs as a savepoint.
    this.#savepoint = db.transaction((work: () => unknown) => work())
  }

  async run<T> (work: () => T): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      if (this.#batch.length === 0) setImmediate(() => this.#flush())
      this.#batch.push({ work, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  #flush (): void {
    const batch = this.#batch
    this.#batch = []
    const outcomes: Array<{ ok: boolean, value: unknown }> = []
    try {
      this.#db.transaction(() => {
        for (const { work } of batch) {
          try {
            outcomes.push({ ok: true, value: this.#savepoint(work) })
          } catch (err) {
            outcomes.push({ ok: false, value: err })
          }
        }
      }).immediate()
    } catch (err) {
      // The commit itself failed: nothing of the batch is on disk.
      for (const pending of batch) pending.reject(err)
      return
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index]!
      if (outcome.ok) pending.resolve(outcome.value)
      else pending.reject(outcome.value)
    })
  }
}
