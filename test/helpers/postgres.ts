import type { Test } from 'tap'
import { startCluster as startHarnessCluster, type Cluster } from '../../harness/postgres.js'

export type { Cluster } from '../../harness/postgres.js'

/** A throwaway PostgreSQL cluster for one test file, removed at its teardown. */
export async function startCluster (t: Test): Promise<Cluster> {
  const cluster = await startHarnessCluster()
  t.teardown(() => cluster.remove())
  return cluster
}
