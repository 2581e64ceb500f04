import type { SnapshotChange } from './environment-snapshots.js'
import type { EnvironmentRef } from './open-environments.js'

/** What the snapshot writer thread starts with. */
export interface WriterData {
  dataDir: string
  /** the single executable's better-sqlite3 addon; undefined: the one in node_modules */
  sqlitePath: string | undefined
}

/** One deploy batch: the same changes, committed in each environment. */
export interface WriteBatch {
  environments: EnvironmentRef[]
  changes: SnapshotChange[]
}

export interface WriteOutcome {
  /** the environments whose commit failed, and why; the others are durable */
  failures: Array<{ environment: string, message: string }>
}
