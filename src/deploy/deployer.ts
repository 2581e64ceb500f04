import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DeploymentResult } from '../schemas/common.js'
import type { JwkRecord } from '../store/jwks.js'
import type { Store } from '../store/store.js'
import { TEMP_MARKER, removeFileDurably, writeFileAtomic } from './atomic-file.js'
import { environmentDir, environmentsDir, snapshotPath, toSnapshot, type Snapshot } from './snapshot.js'

export interface ReconcileReport {
  written: number
  removed: number
  failed: Array<{ environment: string, reason: string }>
}

type EnvironmentOutcome = { environmentName: string, success: boolean, message: string }

function summarize (outcomes: EnvironmentOutcome[], verb: 'Deployment' | 'Undeployment'): DeploymentResult {
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
 * Puts keys into every environment: one snapshot file per key per
 * environment, so a deploy costs the same however many keys a project has.
 */
export class Deployer {
  readonly #dataDir: string
  readonly #store: Store

  constructor (dataDir: string, store: Store) {
    this.#dataDir = dataDir
    this.#store = store
  }

  async #eachEnvironment (verb: 'Deployment' | 'Undeployment', action: (environment: string) => Promise<void>): Promise<DeploymentResult> {
    const past = verb === 'Deployment' ? 'Deployed' : 'Undeployed'
    const outcomes = await Promise.all(this.#store.environments.list().map(async ({ name }): Promise<EnvironmentOutcome> => {
      try {
        await action(name)
        return { environmentName: name, success: true, message: `${past} successfully` }
      } catch (err) {
        return { environmentName: name, success: false, message: `${verb} failed: ${(err as Error).message}` }
      }
    }))
    return summarize(outcomes, verb)
  }

  /** Resolves once the snapshot is durable in every environment that reports success. */
  async deploy (record: JwkRecord, projectName: string): Promise<DeploymentResult> {
    const content = JSON.stringify(toSnapshot(record, projectName))
    return await this.#eachEnvironment('Deployment', environment =>
      writeFileAtomic(snapshotPath(this.#dataDir, environment, projectName, record.id), content))
  }

  async undeploy (record: JwkRecord, projectName: string): Promise<DeploymentResult> {
    return await this.#eachEnvironment('Undeployment', environment =>
      removeFileDurably(snapshotPath(this.#dataDir, environment, projectName, record.id)))
  }

  async #isCurrent (path: string, record: JwkRecord): Promise<boolean> {
    try {
      const snapshot = JSON.parse(await readFile(path, 'utf8')) as Snapshot
      return snapshot.id === record.id && snapshot.revision === record.revision
    } catch {
      return false
    }
  }

  /**
   * Makes the environments match the database: writes missing or outdated
   * snapshots (a crash between commit and deploy), removes snapshots of keys
   * that are gone, leftover temp files, and directories of deleted
   * environments. An environment that cannot be repaired is reported, not
   * fatal: the others are still served, and the next reconcile tries again.
   */
  async reconcile (): Promise<ReconcileReport> {
    const report: ReconcileReport = { written: 0, removed: 0, failed: [] }
    const environments = this.#store.environments.list().map(environment => environment.name)
    const records = this.#store.jwks.listAll()
    for (const entry of await listDir(environmentsDir(this.#dataDir))) {
      if (!environments.includes(entry)) {
        await rm(join(environmentsDir(this.#dataDir), entry), { recursive: true, force: true })
        report.removed++
      }
    }
    for (const environment of environments) {
      try {
        await this.#reconcileEnvironment(environment, records, report)
      } catch (err) {
        report.failed.push({ environment, reason: (err as Error).message })
      }
    }
    return report
  }

  async #reconcileEnvironment (environment: string, records: Array<JwkRecord & { projectName: string }>, report: ReconcileReport): Promise<void> {
    const expected = new Map(records.map(record => [snapshotPath(this.#dataDir, environment, record.projectName, record.id), record]))
    const projectsDir = join(environmentDir(this.#dataDir, environment), 'projects')
    for (const project of await listDir(projectsDir)) {
      const jwksDir = join(projectsDir, project, 'jwks')
      for (const file of await listDir(jwksDir)) {
        const path = join(jwksDir, file)
        if (file.includes(TEMP_MARKER) || !expected.has(path)) {
          await removeFileDurably(path)
          report.removed++
        }
      }
    }
    for (const [path, record] of expected) {
      if (await this.#isCurrent(path, record)) continue
      await writeFileAtomic(path, JSON.stringify(toSnapshot(record, record.projectName)))
      report.written++
    }
  }
}
