import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DeploymentResult } from '../schemas/common.js'
import type { JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import { EnvironmentSnapshots, type SnapshotChange } from './environment-snapshots.js'
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
 * Puts keys into every environment. Deploys handed in during one turn of the
 * event loop (a group commit's worth of keys) go out together: per
 * environment one transaction, one fsync, whatever the batch holds; and the
 * cost of a deploy does not depend on how many keys a project has.
 */
export class Deployer {
  readonly #dataDir: string
  readonly #store: Store
  /** open environment databases, by environment id */
  readonly #open = new Map<string, EnvironmentSnapshots>()
  #batch: Pending[] = []

  constructor (dataDir: string, store: Store) {
    this.#dataDir = dataDir
    this.#store = store
  }

  /** Resolves once the snapshot is durable in every environment that reports success. */
  async deploy (record: JwkRecord, projectName: string): Promise<DeploymentResult> {
    return await this.#enqueue({ kind: 'put', snapshot: toSnapshot(record, projectName) }, 'Deployment')
  }

  async undeploy (record: JwkRecord): Promise<DeploymentResult> {
    return await this.#enqueue({ kind: 'remove', id: record.id }, 'Undeployment')
  }

  /** What an environment holds for a project: what its public JWK Set is made of. */
  deployed (environment: NamedResource, project: string): Snapshot[] {
    return this.#environment(environment).list(project)
  }

  async #enqueue (change: SnapshotChange, verb: Verb): Promise<DeploymentResult> {
    return await new Promise(resolve => {
      if (this.#batch.length === 0) setImmediate(() => this.#flush())
      this.#batch.push({ change, verb, resolve })
    })
  }

  #flush (): void {
    const batch = this.#batch
    this.#batch = []
    if (batch.length === 0) return
    const environments = this.#environments()
    const changes = batch.map(pending => pending.change)
    const failures = new Map<string, string>()
    for (const environment of environments) {
      try {
        this.#environment(environment).apply(changes)
      } catch (err) {
        failures.set(environment.name, (err as Error).message)
      }
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

  /** The environments now (the CLI may add or remove some while we run); connections to gone ones are closed. */
  #environments (): NamedResource[] {
    const environments = this.#store.environments.list()
    const current = new Set(environments.map(environment => environment.id))
    for (const [id, snapshots] of this.#open) {
      if (!current.has(id)) {
        snapshots.close()
        this.#open.delete(id)
      }
    }
    return environments
  }

  /**
   * Opened on first use, and again if its file was removed or replaced under
   * us; one that never held every key (made just now) is given them all
   * first. A failure is not remembered: the next deploy tries again.
   */
  #environment (environment: NamedResource): EnvironmentSnapshots {
    let snapshots = this.#open.get(environment.id)
    if (snapshots !== undefined && !snapshots.stillAtPath()) {
      snapshots.close()
      this.#open.delete(environment.id)
      snapshots = undefined
    }
    if (snapshots === undefined) {
      snapshots = new EnvironmentSnapshots(this.#dataDir, environment)
      try {
        if (!snapshots.complete) this.#synchronize(snapshots, this.#store.jwks.listAll())
      } catch (err) {
        snapshots.close()
        throw err
      }
      this.#open.set(environment.id, snapshots)
    }
    return snapshots
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
    const environments = this.#environments()
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
        const { written, removed } = this.#synchronize(this.#environment(environment), records)
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
      if (deployed.get(record.id) !== record.revision) changes.push({ kind: 'put', snapshot: toSnapshot(record, record.projectName) })
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

  /** Finishes the batch in hand, then closes every environment database. */
  close (): void {
    this.#flush()
    for (const snapshots of this.#open.values()) snapshots.close()
    this.#open.clear()
  }
}

/** For one-shot processes (the CLI): reconcile, then let go of the environment databases. */
export async function reconcileEnvironments (dataDir: string, store: Store): Promise<ReconcileReport> {
  const deployer = new Deployer(dataDir, store)
  try {
    return await deployer.reconcile()
  } finally {
    deployer.close()
  }
}
