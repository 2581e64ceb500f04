import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import { putChange, type EnvironmentSnapshots, type SnapshotChange } from './environment-snapshots.js'
import type { OpenEnvironments } from './open-environments.js'
import type { ReconcileReport } from './snapshot-target.js'
import { environmentDatabaseFile, environmentDir, environmentsDir, toSnapshot } from './snapshot.js'

async function listDir (dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** What turns an environment holding `deployed` (revision by key id) into one holding exactly `records`. */
export function changesToMatch (deployed: ReadonlyMap<string, number>, records: Array<JwkRecord & { projectName: string }>): { changes: SnapshotChange[], written: number, removed: number } {
  const stale = new Map(deployed)
  const changes: SnapshotChange[] = []
  for (const record of records) {
    if (stale.get(record.id) !== record.revision) changes.push(putChange(toSnapshot(record, record.projectName)))
    stale.delete(record.id)
  }
  for (const id of stale.keys()) changes.push({ kind: 'remove', id })
  return { changes, written: changes.length - stale.size, removed: stale.size }
}

/** Writes what differs from the database, removes what it no longer has; afterwards the environment is complete. */
export function synchronize (snapshots: EnvironmentSnapshots, records: Array<JwkRecord & { projectName: string }>): { written: number, removed: number } {
  const { changes, written, removed } = changesToMatch(snapshots.revisions(), records)
  snapshots.apply(changes, true)
  return { written, removed }
}

/** The database and its -wal and -shm files stay; anything else in the environment's directory goes. */
async function removeStrays (dataDir: string, environment: NamedResource): Promise<void> {
  const dir = environmentDir(dataDir, environment.name)
  const own = environmentDatabaseFile(environment.id)
  for (const entry of await listDir(dir)) {
    if (!entry.startsWith(own)) await rm(join(dir, entry), { recursive: true, force: true })
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
export async function reconcile (dataDir: string, store: Store, open: OpenEnvironments): Promise<ReconcileReport> {
  const report: ReconcileReport = { written: 0, removed: 0, failed: [] }
  const environments = await store.environments.list()
  open.retain(environments)
  const records = await store.jwks.listAll()
  const names = new Set(environments.map(environment => environment.name))
  for (const entry of await listDir(environmentsDir(dataDir))) {
    if (!names.has(entry)) {
      await rm(join(environmentsDir(dataDir), entry), { recursive: true, force: true })
      report.removed++
    }
  }
  for (const environment of environments) {
    try {
      const { written, removed } = synchronize(await open.get(environment), records)
      report.written += written
      report.removed += removed
      await removeStrays(dataDir, environment)
    } catch (err) {
      report.failed.push({ environment: environment.name, reason: (err as Error).message })
    }
  }
  return report
}
