import type { SqliteBinding } from '../store/database.js'
import { PostgresStore } from '../store/postgres/postgres-store.js'
import type { Store } from '../store/store.js'
import type { WorkerFiles } from '../worker-files.js'
import { Deployer, type ReconcileReport } from './deployer.js'
import { FileSnapshots } from './file-snapshots.js'
import { PgSnapshots } from './postgres-snapshots.js'
import type { SnapshotTarget } from './snapshot-target.js'

export interface TargetOptions {
  dataDir: string
  sqlite?: SqliteBinding
  workers?: WorkerFiles
}

/** Snapshots live where the store does: in PostgreSQL beside the keys, every instance reading them; else in the data directory. */
export function snapshotTargetFor (store: Store, options: TargetOptions): SnapshotTarget {
  return store instanceof PostgresStore ? new PgSnapshots(store) : new FileSnapshots(options.dataDir, store, options)
}

/** For one-shot processes (the CLI): reconcile, then let go of the environments. */
export async function reconcileEnvironments (store: Store, options: TargetOptions): Promise<ReconcileReport> {
  const deployer = new Deployer(store, snapshotTargetFor(store, options))
  try {
    return await deployer.reconcile()
  } finally {
    await deployer.close()
  }
}
