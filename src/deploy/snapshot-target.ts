import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import type { SnapshotChange } from './environment-snapshots.js'
import type { Snapshot } from './snapshot.js'

export interface ReconcileReport {
  written: number
  removed: number
  failed: Array<{ environment: string, reason: string }>
}

/**
 * Where the environments' snapshots are kept: what a deploy makes durable
 * and what the public JWK Sets are read from. One implementation per kind
 * of store (src/deploy/open-target.ts picks it).
 */
export interface SnapshotTarget {
  /** The same changes made durable in each environment; @returns why, for each environment where they are not */
  write: (environments: NamedResource[], changes: SnapshotChange[]) => Promise<Map<string, string>>
  /** what an environment holds for a project */
  deployed: (environment: NamedResource, project: string) => Promise<Snapshot[]>
  /** moves with every change to what the environment holds */
  version: (environment: NamedResource) => Promise<string>
  /** makes every environment hold exactly the store's keys */
  reconcile: (store: Store) => Promise<ReconcileReport>
  close: () => Promise<void>
}
