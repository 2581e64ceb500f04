import pg from 'pg'
import { systemClock, type Clock } from '../../clock.js'
import type { Announcement, Commits } from '../group-commit.js'
import type { NamedResource } from '../named-resources.js'
import { ReadCache } from '../read-cache.js'
import type { Repositories } from '../repositories.js'
import type { TokenRecord } from '../tokens.js'
import type { Store } from '../store.js'
import { PgAudit } from './audit.js'
import { PgCertificates } from './certificates.js'
import { PgKeys } from './crypto-keys.js'
import { CHANGES_CHANNEL, inTransaction, isPgUnavailable, migrate } from './database.js'
import { KidReservations, PgJwks } from './jwks.js'
import { PgJwkVersions } from './jwk-versions.js'
import { PgKeystores } from './keystores.js'
import { PgMeta } from './meta.js'
import { PgNamedResources } from './named-resources.js'
import { PgTokens } from './tokens.js'

export interface PostgresOptions {
  clock?: Clock
  /** connections in the pool */
  poolSize?: number
  /** ms a statement may run before PostgreSQL cancels it */
  statementTimeoutMs?: number
  /** ms to wait for a connection (a database that does not answer fails /ready instead of hanging it) */
  connectTimeoutMs?: number
}

/** What one instance keeps between requests, shared by its own repositories and its transactions'. */
interface InstanceState {
  kids: KidReservations
  projects: ReadCache<NamedResource>
  environments: ReadCache<NamedResource>
  tokens: ReadCache<TokenRecord>
}

function repositories (db: pg.Pool | pg.PoolClient, clock: Clock, inTransaction: boolean, state: InstanceState): Repositories {
  return {
    projects: new PgNamedResources(db, 'projects', 'project', clock, state.projects, inTransaction),
    environments: new PgNamedResources(db, 'environments', 'environment', clock, state.environments, inTransaction),
    tokens: new PgTokens(db, clock, state.tokens),
    jwks: new PgJwks(db, clock, inTransaction, state.kids),
    jwkVersions: new PgJwkVersions(db, inTransaction),
    certificates: new PgCertificates(db, clock, inTransaction),
    keys: new PgKeys(db, clock, inTransaction),
    keystores: new PgKeystores(db, clock, inTransaction),
    audit: new PgAudit(db, clock),
    meta: new PgMeta(db, inTransaction)
  }
}

/** How long a cache may trust the version without hearing anything: a notification lost to a crash is covered within it. */
const VERSION_EXPIRY_MS = 5000

/**
 * A number that moves whenever any instance commits: NOTIFY from each
 * commit's transaction, heard on one LISTEN connection. While that
 * connection is down (a notification may be missed) it moves on every read,
 * so nothing is served from a cache until the connection is back.
 */
class ChangeVersion {
  #value = 0
  #movedAt = Date.now()
  #listening = false
  #client: pg.Client | undefined
  #closed = false
  #retry: NodeJS.Timeout | undefined
  readonly #connect: () => pg.Client

  constructor (connect: () => pg.Client) {
    this.#connect = connect
  }

  current (): number {
    const now = Date.now()
    if (!this.#listening || now - this.#movedAt >= VERSION_EXPIRY_MS) {
      this.#value++
      this.#movedAt = now
    }
    return this.#value
  }

  /** A commit was made here or heard of from any instance. */
  moved (): void {
    this.#value++
    this.#movedAt = Date.now()
  }

  async listen (): Promise<void> {
    const client = this.#connect()
    client.on('notification', () => this.moved())
    client.on('error', () => this.#lost(client))
    client.on('end', () => this.#lost(client))
    await client.connect()
    await client.query(`LISTEN ${CHANGES_CHANNEL}`)
    this.#client = client
    this.#listening = true
    // What was committed while nobody listened is unknown: start from a new value.
    this.#value++
  }

  #lost (client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = undefined
    this.#listening = false
    client.end().catch(() => {})
    this.#reconnect()
  }

  #reconnect (): void {
    if (this.#closed || this.#retry !== undefined) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.listen().catch(() => this.#reconnect())
    }, 500)
    this.#retry.unref()
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#retry)
    const client = this.#client
    this.#client = undefined
    this.#listening = false
    await client?.end().catch(() => {})
  }
}

/** `work` in one transaction on one pooled client. */
type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>

/** One transaction per write: PostgreSQL batches the fsyncs of concurrent commits itself (group commit). */
class PgCommits implements Commits<Repositories> {
  readonly #transaction: Transaction
  readonly #clock: Clock
  readonly #state: InstanceState

  constructor (transaction: Transaction, clock: Clock, state: InstanceState) {
    this.#transaction = transaction
    this.#clock = clock
    this.#state = state
  }

  async run<T> (work: (tx: Repositories) => Promise<T>): Promise<T> {
    return await this.#transaction(async client => await work(repositories(client, this.#clock, true, this.#state)))
  }

  /** Nothing to wait for: each write is its own transaction. */
  announce (): Announcement<Repositories> {
    return { run: async work => await this.run(work), withdraw: () => {} }
  }
}

/** Several instances on one PostgreSQL database: constraints and transactions make them agree. */
export class PostgresStore implements Store {
  readonly clock: Clock
  readonly commits: Commits<Repositories>
  readonly version: ChangeVersion
  readonly projects
  readonly environments
  readonly tokens
  readonly jwks
  readonly jwkVersions
  readonly certificates
  readonly keys
  readonly keystores
  readonly audit
  readonly meta
  /** for what lives beside the store in the same database (the environments' snapshots) */
  readonly pool: pg.Pool

  private constructor (pool: pg.Pool, clock: Clock, version: ChangeVersion) {
    this.pool = pool
    this.clock = clock
    this.version = version
    const state = { kids: new KidReservations(), projects: new ReadCache<NamedResource>(version), environments: new ReadCache<NamedResource>(version), tokens: new ReadCache<TokenRecord>(version) }
    const own = repositories(pool, clock, false, state)
    this.projects = own.projects
    this.environments = own.environments
    this.tokens = own.tokens
    this.jwks = own.jwks
    this.jwkVersions = own.jwkVersions
    this.certificates = own.certificates
    this.keys = own.keys
    this.keystores = own.keystores
    this.audit = own.audit
    this.meta = own.meta
    this.commits = new PgCommits(async work => await this.transaction(work), clock, state)
  }

  static async open (url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const settings = {
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 10_000
    }
    const pool = new pg.Pool({ ...settings, max: options.poolSize ?? 10 })
    // An idle connection that breaks (the server restarted) is dropped by the pool, not thrown.
    pool.on('error', () => {})
    try {
      await migrate(pool)
      const version = new ChangeVersion(() => new pg.Client(settings))
      await version.listen()
      return new PostgresStore(pool, options.clock ?? systemClock, version)
    } catch (err) {
      await pool.end()
      throw err
    }
  }

  /**
   * Every write's transaction: each instance hears of its commit by NOTIFY,
   * and this one moves its version as it resolves, since its own
   * notification may come back only after the next request.
   */
  async transaction<T> (work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const result = await inTransaction(this.pool, work)
    this.version.moved()
    return result
  }

  async writable (): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1')
      return true
    } catch {
      return false
    }
  }

  isUnavailable (err: unknown): boolean {
    return isPgUnavailable(err)
  }

  /**
   * Dead rows keep their bytes until their space is reused; VACUUM frees it
   * sooner. Private parts in those rows are sealed, so what lingers is ciphertext.
   */
  async purgeDeleted (): Promise<void> {
    await this.pool.query('VACUUM jwks, jwk_versions, crypto_key_environments, keystore_environments, snapshots').catch(() => {})
  }

  async close (): Promise<void> {
    await this.version.close()
    if (!this.pool.ended) await this.pool.end()
  }
}
