import type { SqliteBinding } from '../store/database.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import type { WorkerFiles } from '../worker-files.js'
import type { SnapshotChange } from './environment-snapshots.js'
import { OpenEnvironments } from './open-environments.js'
import { reconcile, synchronize } from './reconcile.js'
import type { ReconcileReport, SnapshotTarget } from './snapshot-target.js'
import { SnapshotWriter } from './snapshot-writer.js'
import type { Snapshot } from './snapshot.js'

/**
 * Snapshots in the data directory: one SQLite database per environment,
 * written by the snapshot writer thread so the fsyncs never block the event
 * loop, read here.
 */
export class FileSnapshots implements SnapshotTarget {
  readonly #dataDir: string
  /** this thread's connections: reads, reconciling, filling new databases */
  readonly #open: OpenEnvironments
  readonly #writer: SnapshotWriter

  constructor (dataDir: string, store: Store, options: { sqlite?: SqliteBinding, workers?: WorkerFiles } = {}) {
    this.#dataDir = dataDir
    this.#open = new OpenEnvironments(dataDir, {
      // A database that never held every key (made just now) gets them all before anything else.
      prepare: async snapshots => { if (!snapshots.complete) synchronize(snapshots, await store.jwks.listAll()) },
      sqlite: options.sqlite
    })
    this.#writer = new SnapshotWriter(dataDir, options)
  }

  async write (environments: NamedResource[], changes: SnapshotChange[]): Promise<Map<string, string>> {
    this.#open.retain(environments)
    const failures = new Map<string, string>()
    const ready: NamedResource[] = []
    for (const environment of environments) {
      try {
        await this.#open.get(environment)
        ready.push(environment)
      } catch (err) {
        failures.set(environment.name, (err as Error).message)
      }
    }
    try {
      const outcome = await this.#writer.write({ environments: ready, changes })
      for (const { environment, message } of outcome.failures) failures.set(environment, message)
    } catch (err) {
      for (const { name } of ready) failures.set(name, (err as Error).message)
    }
    return failures
  }

  async deployed (environment: NamedResource, project: string): Promise<Snapshot[]> {
    return (await this.#open.get(environment)).list(project)
  }

  async version (environment: NamedResource): Promise<string> {
    return (await this.#open.get(environment)).version
  }

  async reconcile (store: Store): Promise<ReconcileReport> {
    return await reconcile(this.#dataDir, store, this.#open)
  }

  async close (): Promise<void> {
    await this.#writer.close()
    this.#open.closeAll()
  }
}
