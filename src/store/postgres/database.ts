import pg from 'pg'
import { POSTGRES_MIGRATIONS } from './migrations.js'

/** A pool for reads outside a transaction, or one client inside one. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>

/** Rows of one query, typed by the caller. */
export async function rows<R> (db: Queryable, sql: string, values: unknown[] = []): Promise<R[]> {
  return (await db.query(sql, values)).rows as R[]
}

/** A `SELECT count(*)`'s answer (PostgreSQL sends bigint as text). */
export async function count (db: Queryable, sql: string, values: unknown[] = []): Promise<number> {
  return Number((await rows<{ count: string }>(db, sql, values))[0]!.count)
}

export async function changes (db: Queryable, sql: string, values: unknown[] = []): Promise<number> {
  return (await db.query(sql, values)).rowCount ?? 0
}

/** Every commit notifies it, in the same transaction: each instance's caches follow every other's writes. */
export const CHANGES_CHANNEL = 'jwkd_changes'

/**
 * `work` in one transaction on one pooled client, then every instance is told
 * something changed. The NOTIFY goes after the commit, on its own: a
 * transaction that notifies holds one database-wide lock through its commit,
 * fsync included, which would line every write up behind every other (and
 * undo PostgreSQL's group commit); a lone NOTIFY writes nothing to flush. One
 * lost to a crash in between is covered by the version's expiry.
 */
export async function inTransaction<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return await withClient(pool, async client => {
    try {
      await client.query('BEGIN')
      const result = await work(client)
      // A statement that failed and was caught aborts the transaction; COMMIT then rolls it back without an error.
      if ((await client.query('COMMIT')).command !== 'COMMIT') throw new Error('transaction rolled back: a statement in it failed and was caught')
      await client.query('SELECT pg_notify($1, \'\')', [CHANGES_CHANNEL]).catch(() => {})
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
  })
}

/**
 * One pooled client for `work`. The pool listens for a broken connection only
 * while a client is idle; a checked-out client whose server went away emits
 * 'error' with nobody listening, which would end the process. Here it is
 * heard, `work`'s next query fails instead, and the client leaves the pool.
 */
async function withClient<T> (pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  const heard = (err: Error): void => { broken = err }
  client.on('error', heard)
  try {
    return await work(client)
  } finally {
    client.removeListener('error', heard)
    client.release(broken)
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
/** shutting down, starting up, too many connections, statement timeout */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014'])

/** The server is down, restarting, refusing or too slow: an outage to wait out, not a bug. */
export function isPgUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (UNREACHABLE.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) return true
  // pg's own words for a pool that cannot connect and a connection that broke
  return /timeout exceeded when trying to connect|Connection terminated|not queryable|connection error/i.test(err.message)
}

/** PostgreSQL's SQLSTATEs for the two conflicts jwkd turns into messages, and the constraint that fired. */
export const isPgUniqueViolation = (err: unknown, constraint?: string): boolean =>
  (err as { code?: string } | null)?.code === '23505' && (constraint === undefined || (err as { constraint?: string }).constraint === constraint)

export const isPgForeignKeyViolation = (err: unknown): boolean =>
  (err as { code?: string } | null)?.code === '23503'

/** Any one number: every instance takes it before migrating, so only one migrates at a time. */
const MIGRATION_LOCK = 0x6a776b64

/** Applies pending migrations in one transaction under an advisory lock: instances starting at once do not race. */
export async function migrate (pool: pg.Pool): Promise<void> {
  await inTransaction(pool, async client => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query('CREATE TABLE IF NOT EXISTS jwkd_schema (version INTEGER NOT NULL)')
    const found = await rows<{ version: number }>(client, 'SELECT version FROM jwkd_schema')
    const version = found[0]?.version ?? 0
    if (version > POSTGRES_MIGRATIONS.length) {
      throw new Error(`the database schema is version ${version}, newer than this jwkd (${POSTGRES_MIGRATIONS.length}); upgrade jwkd`)
    }
    for (let next = version; next < POSTGRES_MIGRATIONS.length; next++) await client.query(POSTGRES_MIGRATIONS[next]!)
    if (found.length === 0) await client.query('INSERT INTO jwkd_schema (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length])
    else await client.query('UPDATE jwkd_schema SET version = $1', [POSTGRES_MIGRATIONS.length])
  })
}
