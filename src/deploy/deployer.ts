import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DeploymentResult } from '../schemas/common.js'
import type { JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import { putChange, type EnvironmentSnapshots, type SnapshotChange } from './environment-snapshots.js'
import { OpenEnvironments } from './open-environments.js'
import { SnapshotWriter } from './snapshot-writer.js'
import { environmentDatabaseFile, environmentDir, environmentsDir, toSnapshot, type Snapshot } from './snapshot.js'

export interface ReconcileReport {
  written: number
  removed: number
  failed: Array<{ environment: string, reason: string }>
}

type Verb = 'Deployment' | 'Undeployment'
type EnvironmentOutcome = { environmentName: string, success: boolean, message: string }

interface Pending {
  change: SnapshotChange
  verb: Verb
  resolve: (result: DeploymentResult) => void
  reject: (err: unknown) => void
}

function summarize (outcomes: EnvironmentOutcome[], verb: Verb): DeploymentResult {
  const failed = outcomes.filter(outcome => !outcome.success).map(outcome => outcome.environmentName)
  return {
    success: failed.length === 0,
    message: failed.length === 0
      ? `${verb} completed successfully`
      : `${verb} failed for environment${failed.length > 1 ? 's' : ''}: ${failed.join(', ')}`,
    environmentResults: outcomes
  }
}

async function listDir (dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
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
  #batch: Pending[] = []
  #scheduled = false
  #inFlight: Promise<void> | undefined

  constructor (dataDir: string, store: Store) {
    this.#dataDir = dataDir
    this.#store = store
    // A database that never held every key (made just now) gets them all before anything else.
    this.#open = new OpenEnvironments(dataDir, snapshots => {
      if (!snapshots.complete) this.#synchronize(snapshots, this.#store.jwks.listAll())
    })
    this.#writer = new SnapshotWriter(dataDir)
  }

  /** Resolves once the snapshot is durable in every environment that reports success. */
  async deploy (record: JwkRecord, projectName: string): Promise<DeploymentResult> {
    return await this.#enqueue(putChange(toSnapshot(record, projectName)), 'Deployment')
  }

  async undeploy (record: JwkRecord): Promise<DeploymentResult> {
    return await this.#enqueue({ kind: 'remove', id: record.id }, 'Undeployment')
  }

  /** What an environment holds for a project: what its public JWK Set is made of. */
  deployed (environment: NamedResource, project: string): Snapshot[] {
    return this.#open.get(environment).list(project)
  }

  /** Moves with every change to what the environment holds: what caches of `deployed` follow. */
  deployedVersion (environment: NamedResource): string {
    return this.#open.get(environment).version
  }

  async #enqueue (change: SnapshotChange, verb: Verb): Promise<DeploymentResult> {
    return await new Promise((resolve, reject) => {
      this.#batch.push({ change, verb, resolve, reject })
      if (!this.#scheduled && this.#inFlight === undefined) {
        this.#scheduled = true
        setImmediate(() => { this.#scheduled = false; this.#flush() })
      }
    })
  }

  #flush (): void {
    if (this.#inFlight !== undefined || this.#batch.length === 0) return
    const batch = this.#batch
    this.#batch = []
    // A failure an environment can report is an outcome, not an error; this
    // is the rest (the main database unreadable): every request of the batch fails.
    this.#inFlight = this.#send(batch).catch((err: unknown) => {
      for (const pending of batch) pending.reject(err)
    }).finally(() => {
      this.#inFlight = undefined
      this.#flush()
    })
  }

  async #send (batch: Pending[]): Promise<void> {
    const environments = this.#store.environments.list()
    this.#open.retain(environments)
    const failures = new Map<string, string>()
    const ready = environments.filter(environment => {
      try {
        this.#open.get(environment)
        return true
      } catch (err) {
        failures.set(environment.name, (err as Error).message)
        return false
      }
    })
    try {
      const outcome = await this.#writer.write({ environments: ready, changes: batch.map(pending => pending.change) })
      for (const { environment, message } of outcome.failures) failures.set(environment, message)
    } catch (err) {
      for (const { name } of ready) failures.set(name, (err as Error).message)
    }
    for (const { verb, resolve } of batch) {
      const past = verb === 'Deployment' ? 'Deployed' : 'Undeployed'
      resolve(summarize(environments.map(({ name }) => {
        const failure = failures.get(name)
        return failure === undefined
          ? { environmentName: name, success: true, message: `${past} successfully` }
          : { environmentName: name, success: false, message: `${verb} failed: ${failure}` }
      }), verb))
    }
  }

  /**
   * Makes the environments match the database: writes missing or outdated
   * snapshots (a crash between commit and deploy), removes those of keys
   * that are gone, and removes what is not an environment's current database
   * (deleted environments, a previous incarnation of one, format-1 snapshot
   * files). An environment that cannot be repaired is reported, not fatal:
   * the others are still served, and the next reconcile tries again.
   */
  async reconcile (): Promise<ReconcileReport> {
    const report: ReconcileReport = { written: 0, removed: 0, failed: [] }
    const environments = this.#store.environments.list()
    this.#open.retain(environments)
    const records = this.#store.jwks.listAll()
    const names = new Set(environments.map(environment => environment.name))
    for (const entry of await listDir(environmentsDir(this.#dataDir))) {
      if (!names.has(entry)) {
        await rm(join(environmentsDir(this.#dataDir), entry), { recursive: true, force: true })
        report.removed++
      }
    }
    for (const environment of environments) {
      try {
        const { written, removed } = this.#synchronize(this.#open.get(environment), records)
        report.written += written
        report.removed += removed
        await this.#removeStrays(environment)
      } catch (err) {
        report.failed.push({ environment: environment.name, reason: (err as Error).message })
      }
    }
    return report
  }

  /** Writes what differs from the database, removes what it no longer has; afterwards the environment is complete. */
  #synchronize (snapshots: EnvironmentSnapshots, records: Array<JwkRecord & { projectName: string }>): { written: number, removed: number } {
    const deployed = snapshots.revisions()
    const changes: SnapshotChange[] = []
    for (const record of records) {
      if (deployed.get(record.id) !== record.revision) changes.push(putChange(toSnapshot(record, record.projectName)))
      deployed.delete(record.id)
    }
    for (const id of deployed.keys()) changes.push({ kind: 'remove', id })
    snapshots.apply(changes, true)
    return { written: changes.length - deployed.size, removed: deployed.size }
  }

  async #removeStrays (environment: NamedResource): Promise<void> {
    const dir = environmentDir(this.#dataDir, environment.name)
    const own = environmentDatabaseFile(environment.id)
    for (const entry of await listDir(dir)) {
      // The database and its -wal and -shm files.
      if (!entry.startsWith(own)) await rm(join(dir, entry), { recursive: true, force: true })
    }
  }

  /** Finishes the batches in hand, then lets go of the writer thread and every environment database. */
  async close (): Promise<void> {
    while (this.#inFlight !== undefined || this.#batch.length > 0) {
      this.#flush()
      await this.#inFlight
    }
    await this.#writer.close()
    this.#open.closeAll()
  }
}

/** For one-shot processes (the CLI): reconcile, then let go of the environment databases. */
export async function reconcileEnvironments (dataDir: string, store: Store): Promise<ReconcileReport> {
  const deployer = new Deployer(dataDir, store)
  try {
    return await deployer.reconcile()
  } finally {
    await deployer.close()
  }
}
