/** What one item of a batch came to: its value, or the error that failed it alone. */
export type Outcome<O> = { ok: true, value: O } | { ok: false, error: unknown }

interface Waiting<I, O> {
  item: I
  resolve: (value: O) => void
  reject: (reason: unknown) => void
}

/** A batch taken out of the queue: its items, and the one way to answer each of their callers. */
export interface TakenBatch<I, O> {
  items: I[]
  /** `outcomes[i]` answers `items[i]` */
  settle: (outcomes: ReadonlyArray<Outcome<O>>) => void
  /** The batch as a whole failed (its commit, say): every caller gets `error`. */
  fail: (error: unknown) => void
}

/**
 * Items handed in one at a time, each caller waiting for the outcome of the
 * batch that carries it. The group commit and the deployer differ in when
 * they take a batch; handing in and answering is this.
 */
export class PendingBatch<I, O> {
  #waiting: Array<Waiting<I, O>> = []

  get size (): number {
    return this.#waiting.length
  }

  async add (item: I): Promise<O> {
    return await new Promise<O>((resolve, reject) => this.#waiting.push({ item, resolve, reject }))
  }

  take (): TakenBatch<I, O> {
    const taken = this.#waiting
    this.#waiting = []
    return {
      items: taken.map(waiting => waiting.item),
      settle: outcomes => taken.forEach((waiting, index) => {
        const outcome = outcomes[index]!
        if (outcome.ok) waiting.resolve(outcome.value)
        else waiting.reject(outcome.error)
      }),
      fail: error => { for (const waiting of taken) waiting.reject(error) }
    }
  }
}
