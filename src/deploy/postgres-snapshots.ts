import type pg from 'pg'
import type { NamedResource } from '../store/named-resources.js'
import type { PostgresStore } from '../store/postgres/postgres-store.js'
import { rows } from '../store/postgres/database.js'
import { listAllJwks } from '../store/postgres/jwks.js'
import type { SnapshotChange } from './environment-snapshots.js'
import { changesToMatch } from './reconcile.js'
import type { ReconcileReport, SnapshotTarget } from './snapshot-target.js'
import type { Snapshot } from './snapshot.js'

/** Any one number: the instance holding it reconciles, the others wait and then find nothing to do. */
const RECONCILE_LOCK = 0x6a776b65

/** Consecutive changes of one kind, so each run is one statement and the batch's order still holds. */
function runs (changes: readonly SnapshotChange[]): SnapshotChange[][] {
  const grouped: SnapshotChange[][] = []
  for (const change of changes) {
    const last = grouped.at(-1)
    if (last !== undefined && last[0]!.kind === change.kind) last.push(change)
    else grouped.push([change])
  }
  return grouped
}

async function apply (client: pg.PoolClient, environmentIds: string[], changes: readonly SnapshotChange[]): Promise<void> {
  for (const run of runs(changes)) {
    const puts = run.filter((change): change is Extract<SnapshotChange, { kind: 'put' }> => change.kind === 'put')
    if (puts.length > 0) {
      // A newer revision already there (a later batch overtook a retry) is kept.
      await client.query(`INSERT INTO snapshots (environment_id, id, project, revision, body)
        SELECT e, c.id, c.project, c.revision, c.body FROM unnest($1::text[]) AS e
          CROSS JOIN unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS c (id, project, revision, body)
        ON CONFLICT (environment_id, id) DO UPDATE SET project = excluded.project, revision = excluded.revision, body = excluded.body
        WHERE excluded.revision >= snapshots.revision`,
      [environmentIds, puts.map(change => change.id), puts.map(change => change.project), puts.map(change => change.revision), puts.map(change => change.body)])
    } else {
      await client.query('DELETE FROM snapshots WHERE environment_id = ANY($1) AND id = ANY($2)', [environmentIds, run.map(change => change.id)])
    }
  }
}

/**
 * Snapshots in PostgreSQL, beside the keys: a deploy is one transaction for
 * every environment, durable when it commits, and every instance reads the
 * same rows, so each answers the same public JWK Set (and ETag), which
 * PublicJwks caches until the store's version moves (any instance's commit).
 */
export class PgSnapshots implements SnapshotTarget {
  readonly #store: PostgresStore

  constructor (store: PostgresStore) {
    this.#store = store
  }

  async write (environments: NamedResource[], changes: SnapshotChange[]): Promise<Map<string, string>> {
    try {
      await this.#store.transaction(async client => await apply(client, environments.map(environment => environment.id), changes))
      return new Map()
    } catch (err) {
      return new Map(environments.map(({ name }) => [name, (err as Error).message]))
    }
  }

  async deployed (environment: NamedResource, project: string): Promise<Snapshot[]> {
    const found = await rows<{ body: string }>(this.#store.pool, 'SELECT body FROM snapshots WHERE environment_id = $1 AND project = $2 ORDER BY id', [environment.id, project])
    return found.map(row => JSON.parse(row.body) as Snapshot)
  }

  async version (): Promise<string> {
    return String(this.#store.version.current())
  }

  /**
   * Reads the keys itself, in its transaction and share-locked: a key
   * another instance deletes meanwhile waits for this commit, so its
   * undeploy comes after, and a deleted key is never put back. The
   * snapshots are read before the keys: a snapshot deployed between the
   * two reads belongs to a key committed before it, which the keys' read
   * then sees, so another instance's fresh deploy is never taken for an orphan.
   */
  async reconcile (): Promise<ReconcileReport> {
    const report: ReconcileReport = { written: 0, removed: 0, failed: [] }
    await this.#store.transaction(async client => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [RECONCILE_LOCK])
      // Read under the lock, in this transaction: what another instance reconciled is seen, not redone.
      const environments = await rows<{ id: string }>(client, 'SELECT id FROM environments')
      const deployed = new Map<string, Map<string, number>>(environments.map(({ id }) => [id, new Map()]))
      for (const row of await rows<{ environment_id: string, id: string, revision: number }>(client, 'SELECT environment_id, id, revision FROM snapshots')) {
        deployed.get(row.environment_id)?.set(row.id, row.revision)
      }
      const records = await listAllJwks(client, true)
      for (const { id } of environments) {
        const { changes, written, removed } = changesToMatch(deployed.get(id)!, records)
        await apply(client, [id], changes)
        report.written += written
        report.removed += removed
      }
    })
    return report
  }

  async close (): Promise<void> {}
}
