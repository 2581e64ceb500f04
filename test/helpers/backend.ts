// Which store the suite runs on: SQLite unless harness/suite-on-postgres.ts
// hands it a PostgreSQL cluster, so one set of tests proves both backends.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { clientBinary } from '../../harness/postgres.js'

const cluster = process.env.JWKD_TEST_POSTGRES_URL ?? ''
export const onPostgres = cluster !== ''
export const backend = onPostgres ? 'postgres' : 'sqlite'

/** Databases this test process made: a directory named again reuses its own, never one an earlier process left. */
const created = new Set<string>()

const psql = (sql: string): void => { execFileSync(clientBinary('psql'), [cluster, '-qc', sql], { stdio: ['ignore', 'ignore', 'pipe'] }) }

/** Whether a server opened the database (its master-key check is set): the CLI alone leaves the directory empty. */
function serverOpened (url: URL): boolean {
  try {
    return execFileSync(clientBinary('psql'), [url.href, '-tAc', "SELECT 1 FROM meta WHERE key = 'master_key_check'"], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === '1'
  } catch {
    return false // no such database, or not migrated yet
  }
}

/**
 * The store settings for a data directory: none on SQLite (the file lives
 * in it); on PostgreSQL a database of its own, the same one whenever the
 * directory is named again, so a restarted server finds its keys. As with
 * the file, an empty directory (t.testdir() empties it) means a new one.
 */
export function storeEnv (dataDir: string): Record<string, string> {
  if (!onPostgres) return {}
  const name = `t_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 32)}`
  const url = new URL(cluster)
  url.pathname = `/${name}`
  if (!created.has(name)) {
    psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    psql(`CREATE DATABASE ${name}`)
    created.add(name)
  } else if ((!existsSync(dataDir) || readdirSync(dataDir).length === 0) && serverOpened(url)) {
    // Emptied under a server's data (t.testdir() again, or its master key removed on purpose): as with SQLite, the data went with it.
    psql(`DROP DATABASE ${name} WITH (FORCE)`)
    psql(`CREATE DATABASE ${name}`)
  }
  return { JWKD_DATABASE_URL: url.href }
}

/** JWKD_DATA_DIR and the backend's settings for it: what a CLI run or a config needs. */
export const dataEnv = (dataDir: string): Record<string, string> => ({ JWKD_DATA_DIR: dataDir, ...storeEnv(dataDir) })
