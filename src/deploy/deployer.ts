import { PendingBatch } from '../batching/pending-batch.js'
import type { JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import { putChange, type SnapshotChange } from './environment-snapshots.js'
import { RepairSchedule, type RepairOptions } from './repair-schedule.js'
import type { ReconcileReport, SnapshotTarget } from './snapshot-target.js'
import { toSnapshot, type Snapshot } from './snapshot.js'

export type { ReconcileReport } from './snapshot-target.js'

/** One environment's part of a deploy: durable there, or why not. */
export interface EnvironmentOutcome {
  environmentName: string
  failure?: string
}

/**
 * Puts keys into every environment. Deploys that arrive together (a group
 * commit's worth of keys) go out as one batch to the snapshot target: one
 * transaction per environment (files) or for all of them (PostgreSQL),
 * whatever the batch holds. One batch is in flight at a time; what arrives
 * meanwhile forms the next. The cost of a deploy does not depend on how
 * many keys a project has.
 */
export class Deployer {
  readonly #store: Store
  readonly #target: SnapshotTarget
  readonly #batch = new PendingBatch<SnapshotChange, EnvironmentOutcome[]>()
  readonly #repair: RepairSchedule
  #scheduled = false
  #inFlight: Promise<void> | undefined

  constructor (store: Store, target: SnapshotTarget, repair: RepairOptions = {}) {
    this.#store = store
    this.#target = target
    this.#repair = new RepairSchedule(repair, () => this.#flush())
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
    return await this.#target.deployed(environment, project)
  }

  /** Moves with every change to what the environment holds: what caches of `deployed` follow. */
  async deployedVersion (environment: NamedResource): Promise<string> {
    return await this.#target.version(environment)
  }

  async reconcile (): Promise<ReconcileReport> {
    return await this.#target.reconcile(this.#store)
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
    if (this.#inFlight !== undefined) return
    // A repair takes the deploys' turn, so it never reads what one of this instance's batches is writing.
    if (this.#repair.due()) {
      this.#inFlight = this.#runRepair()
      return
    }
    if (this.#batch.size === 0) return
    const batch = this.#batch.take()
    // A failure an environment can report is an outcome, not an error; this
    // is the rest (the main database unreadable): every request of the batch fails.
    this.#inFlight = this.#send(batch.items).then(outcomes => {
      if (outcomes.some(outcome => outcome.failure !== undefined)) this.#repair.needed()
      batch.settle(batch.items.map(() => ({ ok: true, value: outcomes })))
    }, (err: unknown) => {
      this.#repair.needed()
      batch.fail(err)
    }).finally(() => this.#next())
  }

  #next (): void {
    this.#inFlight = undefined
    this.#flush()
  }

  async #runRepair (): Promise<void> {
    try {
      const report = await this.#target.reconcile(this.#store)
      this.#repair.done(report)
    } catch (err) {
      this.#repair.failed(err)
    } finally {
      this.#next()
    }
  }

  async #send (changes: SnapshotChange[]): Promise<EnvironmentOutcome[]> {
    const environments = await this.#store.environments.list()
    let failures: Map<string, string>
    try {
      failures = await this.#target.write(environments, changes)
    } catch (err) {
      failures = new Map(environments.map(({ name }) => [name, (err as Error).message]))
    }
    return environments.map(({ name }) => {
      const failure = failures.get(name)
      return failure === undefined ? { environmentName: name } : { environmentName: name, failure }
    })
  }

  /** Finishes the batches in hand, then lets go of the writer thread and every environment database. */
  async close (): Promise<void> {
    this.#repair.stop()
    while (this.#inFlight !== undefined || this.#batch.size > 0) {
      this.#flush()
      await this.#inFlight
    }
    await this.#target.close()
  }
}
