import type { Clock } from '../clock.js'
import type { Config } from '../config.js'
import type { SqliteBinding } from './database.js'
import { PostgresStore } from './postgres/postgres-store.js'
import { SqliteStore } from './sqlite-store.js'
import type { Store } from './store.js'

/** The one place a backend is chosen: PostgreSQL when JWKD_DATABASE_URL is set, else the data directory's SQLite file. */
export async function openStore (config: Pick<Config, 'dataDir' | 'database'>, options: { clock?: Clock, sqlite?: SqliteBinding } = {}): Promise<Store> {
  if (config.database === undefined) return SqliteStore.open(config.dataDir, options)
  return await PostgresStore.open(config.database.url, { clock: options.clock, poolSize: config.database.poolSize, statementTimeoutMs: config.database.statementTimeoutMs })
}
