import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp, type BuildOptions } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import type { Db } from '../../src/store/database.js'
import type { SqliteStore } from '../../src/store/sqlite-store.js'
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

/** The SQLite connection behind an app, for tests that reach past the repositories on purpose. */
export const sqliteOf = (app: FastifyInstance): Db => (app.store as SqliteStore).db

/**
 * A real app on a fresh data directory: real SQLite file, real worker
 * threads, real snapshots. Bootstraps like a first start, then adds the
 * project `MyProject` and any extra environments.
 */
export async function buildTestApp (t: Test, options: { env?: Record<string, string>, environments?: string[], dataDir?: string } & BuildOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? t.testdir()
  const config = loadConfig({ JWKD_DATA_DIR: dataDir, JWKD_POOL_SIZE: '2', ...options.env })
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
