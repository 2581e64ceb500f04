import { PendingBatch } from '../batching/pending-batch.js'
import type { JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { SqliteBinding } from '../store/database.js'
import type { Store } from '../store/store.js'
import type { WorkerFiles } from '../worker-files.js'
import { putChange, type SnapshotChange } from './environment-snapshots.js'
import { OpenEnvironments } from './open-environments.js'
import { reconcile, synchronize, type ReconcileReport } from './reconcile.js'
import { SnapshotWriter } from './snapshot-writer.js'
import { toSnapshot, type Snapshot } from './snapshot.js'

export type { ReconcileReport } from './reconcile.js'

/** One environment's part of a deploy: durable there, or why not. */
export interface EnvironmentOutcome {
  environmentName: string
  failure?: string
}

/**
 * Puts keys into every environment. Deploys that arrive together (a group
 * commit's worth of keys) go out as one batch: per environment one
 * transaction and one fsync, whatever the batch holds, committed by the
 * snapshot writer thread so the fsyncs never block the event loop. One batch
 * is in flight at a time; what arrives meanwhile forms the next. The cost of
 * a deploy does not depend on how many keys a project has.
 */
export class Deployer {
  readonly #dataDir: string
  readonly #store: Store
  /** this thread's connections: reads, reconciling, filling new databases */
  readonly #open: OpenEnvironments
  readonly #writer: SnapshotWriter
  readonly #batch = new PendingBatch<SnapshotChange, EnvironmentOutcome[]>()
  #scheduled = false
  #inFlight: Promise<void> | undefined

  constructor (dataDir: string, store: Store, options: { sqlite?: SqliteBinding, workers?: WorkerFiles } = {}) {
    this.#dataDir = dataDir
    this.#store = store
    this.#open = new OpenEnvironments(dataDir, {
      // A database that never held every key (made just now) gets them all before anything else.
      prepare: async snapshots => { if (!snapshots.complete) synchronize(snapshots, await this.#store.jwks.listAll()) },
      sqlite: options.sqlite
    })
    this.#writer = new SnapshotWriter(dataDir, options)
  }

  /** Resolves once the snapshot is durable in every environment whose outcome has no failure. */
  async deploy (record: JwkRecord, projectName: string): Promise<EnvironmentOutcome[]> {
    return await this.#enqueue(putChange(toSnapshot(record, projectName)))
  }

  async undeploy (record: JwkRecord): Promise<EnvironmentOutcome[]> {
    return await this.#enqueue({ kind: 'remove', id: record.id })
  }

  /** What an environment holds for a project: what its public JWK Set is made of. */
  async deployed (environment: NamedResource, project: string): Promise<Snapshot[]> {
    return (await this.#open.get(environment)).list(project)
  }

  /** Moves with every change to what the environment holds: what caches of `deployed` follow. */
  async deployedVersion (environment: NamedResource): Promise<string> {
    return (await this.#open.get(environment)).version
  }

  async reconcile (): Promise<ReconcileReport> {
    return await reconcile(this.#dataDir, this.#store, this.#open)
  }

  async #enqueue (change: SnapshotChange): Promise<EnvironmentOutcome[]> {
    const outcome = this.#batch.add(change)
    if (!this.#scheduled && this.#inFlight === undefined) {
      this.#scheduled = true
      setImmediate(() => { this.#scheduled = false; this.#flush() })
    }
    return await outcome
  }

  #flush (): void {
    if (this.#inFlight !== undefined || this.#batch.size === 0) return
    const batch = this.#batch.take()
    // A failure an environment can report is an outcome, not an error; this
    // is the rest (the main database unreadable): every request of the batch fails.
    this.#inFlight = this.#send(batch.items).then(outcomes => {
      batch.settle(batch.items.map(() => ({ ok: true, value: outcomes })))
    }, (err: unknown) => batch.fail(err)).finally(() => {
      this.#inFlight = undefined
      this.#flush()
    })
  }

  async #send (changes: SnapshotChange[]): Promise<EnvironmentOutcome[]> {
    const environments = await this.#store.environments.list()
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
    return environments.map(({ name }) => {
      const failure = failures.get(name)
      return failure === undefined ? { environmentName: name } : { environmentName: name, failure }
    })
  }

  /** Finishes the batches in hand, then lets go of the writer thread and every environment database. */
  async close (): Promise<void> {
    while (this.#inFlight !== undefined || this.#batch.size > 0) {
      this.#flush()
      await this.#inFlight
    }
    await this.#writer.close()
    this.#open.closeAll()
  }
}

/** For one-shot processes (the CLI): reconcile, then let go of the environment databases. */
export async function reconcileEnvironments (dataDir: string, store: Store, sqlite?: SqliteBinding): Promise<ReconcileReport> {
  const deployer = new Deployer(dataDir, store, { sqlite })
  try {
    return await deployer.reconcile()
  } finally {
    await deployer.close()
  }
}
