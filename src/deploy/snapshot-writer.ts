import { Piscina } from 'piscina'
import type { SqliteBinding } from '../store/database.js'
import type { WorkerFiles } from '../worker-files.js'
import { workerFile } from '../worker-files.js'
import type { WriteBatch, WriteOutcome, WriterData } from './writer-messages.js'

/**
 * The event loop's handle on the snapshot writer (workers/snapshot-writer.ts):
 * a one-thread piscina pool whose thread keeps the environment databases
 * open between batches. Started on first use, so one-shot processes (the
 * CLI) never start it; piscina replaces a thread that dies, and the batch it
 * had fails.
 */
export class SnapshotWriter {
  readonly #dataDir: string
  readonly #sqlite: SqliteBinding | undefined
  readonly #workers: WorkerFiles | undefined
  #pool: Piscina<WriteBatch, WriteOutcome> | undefined

  constructor (dataDir: string, options: { sqlite?: SqliteBinding, workers?: WorkerFiles } = {}) {
    this.#dataDir = dataDir
    this.#sqlite = options.sqlite
    this.#workers = options.workers
  }

  async write (batch: WriteBatch): Promise<WriteOutcome> {
    this.#pool ??= new Piscina<WriteBatch, WriteOutcome>({
      filename: workerFile('snapshot-writer', this.#workers).href,
      minThreads: 1,
      maxThreads: 1,
      // See KeygenPool: workers wait for tasks on a message port, not in Atomics.wait.
      atomics: 'disabled',
      workerData: { dataDir: this.#dataDir, sqlitePath: this.#sqlite?.path } satisfies WriterData
    })
    return await this.#pool.run(batch)
  }

  async close (): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    await pool?.close()
  }
}
