import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { SqliteStore } from '../../src/store/sqlite-store.js'
import { storeEnv } from './backend.js'
import { deploymentBody } from './http.js'

export interface TestApp {
  app: FastifyInstance
  dataDir: string
  config: Config
  /** the bootstrap admin token (all roles, all projects) */
  token: string
  auth: { authorization: string }
}

export const PROJECT = 'MyProject'

/** SQL straight to an app's own database, for tests that reach past the repositories on purpose. */
export interface RawSql {
  /** rows of a query with `?` placeholders, on either backend */
  all: (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>>
  /** the one row a query must find */
  one: (sql: string, ...params: unknown[]) => Promise<Record<string, unknown>>
  run: (sql: string, ...params: unknown[]) => Promise<void>
  /** closes the store's connections under it, as a broken database would */
  close: () => Promise<void>
  isOpen: () => boolean
}

export function sqlOf (app: FastifyInstance): RawSql {
  const raw = rawSql(app)
  const one = async (sql: string, ...params: unknown[]): Promise<Record<string, unknown>> => {
    const rows = await raw.all(sql, ...params)
    if (rows.length !== 1) throw new Error(`${rows.length} rows, not one, for ${sql}`)
    return rows[0]!
  }
  return { ...raw, one }
}

function rawSql (app: FastifyInstance): Omit<RawSql, 'one'> {
  if (app.store instanceof PostgresStore) {
    const pool = app.store.pool
    const numbered = (sql: string): string => { let n = 0; return sql.replaceAll('?', () => `$${++n}`) }
    return {
      all: async (sql, ...params) => (await pool.query(numbered(sql), params)).rows as Array<Record<string, unknown>>,
      run: async (sql, ...params) => { await pool.query(numbered(sql), params) },
      close: async () => { await pool.end() },
      isOpen: () => !pool.ended
    }
  }
  const db = (app.store as SqliteStore).db
  return {
    all: async (sql, ...params) => db.prepare(sql).all(...params) as Array<Record<string, unknown>>,
    run: async (sql, ...params) => { db.prepare(sql).run(...params) },
    close: async () => { db.close() },
    isOpen: () => db.open
  }
}

/**
 * A real app on a fresh data directory: a real store (the SQLite file, or
 * a PostgreSQL database of its own: test/helpers/backend.ts), real worker
 * threads, real snapshots. Bootstraps like a first start, then adds the
 * project `MyProject` and any extra environments.
 */
export async function buildTestApp (t: Test, options: { env?: Record<string, string>, environments?: string[], dataDir?: string } & BuildOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? t.testdir()
  const config = loadConfig({ JWKD_DATA_DIR: dataDir, JWKD_POOL_SIZE: '2', ...storeEnv(dataDir), ...options.env })
  const app = await buildApp(config, { logger: options.logger ?? false, clock: options.clock, requestTimeout: options.requestTimeout })
  t.teardown(() => app.close())
  if (await app.store.projects.findByName(PROJECT) === undefined) await app.store.projects.create(PROJECT)
  for (const environment of options.environments ?? []) {
    if (await app.store.environments.findByName(environment) === undefined) await app.store.environments.create(environment)
  }
  await app.ready()
  const token = readFileSync(adminTokenPath(dataDir), 'utf8').trim()
  return { app, dataDir, config, token, auth: { authorization: `Bearer ${token}` } }
}

export const generateUrl = (project = PROJECT): string => `/apiops/projects/${project}/jwks/generate`
export const jwkUrl = (name: string, project = PROJECT): string => `/apiops/projects/${project}/jwks/${encodeURIComponent(name)}/`

/** The deploy-result body of a generate or create that reached every environment. */
export const SUCCESS_BODY = (environments: string[]): unknown => deploymentBody(environments)
