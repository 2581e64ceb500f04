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

/** What psql printed for `sql` on the database at `url` (tuples only; the first error stops it and throws). */
export function psql (url: string, sql: string): string {
  return execFileSync(clientBinary('psql'), [url, '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** The database a test data directory's server uses on PostgreSQL, named by the directory's path. */
export function databaseUrl (dataDir: string): string {
  const url = new URL(cluster)
  url.pathname = `/t_${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 32)}`
  return url.href
}

function freshDatabase (url: string): void {
  const name = new URL(url).pathname.slice(1)
  psql(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  psql(cluster, `CREATE DATABASE ${name}`)
}

/** Whether a server opened the database (its master-key check is set): the CLI alone leaves the directory empty. */
function serverOpened (url: string): boolean {
  try {
    return psql(url, "SELECT 1 FROM meta WHERE key = 'master_key_check'").trim() === '1'
  } catch {
    return false // not migrated yet
  }
}

/**
 * The store settings for a data directory: none on SQLite (the file lives
 * in it); on PostgreSQL a database of its own, new on its first use in this
 * process and the same one whenever the directory is named again, so a
 * restarted server finds its keys. A directory emptied under a server's data
 * (t.testdir() again) gets a new one, as SQLite's file would be gone with it.
 */
export function storeEnv (dataDir: string): Record<string, string> {
  if (!onPostgres) return {}
  const url = databaseUrl(dataDir)
  if (!created.has(url)) {
    freshDatabase(url)
    created.add(url)
  } else if ((!existsSync(dataDir) || readdirSync(dataDir).length === 0) && serverOpened(url)) {
    freshDatabase(url)
  }
  return { JWKD_DATABASE_URL: url }
}

/** JWKD_DATA_DIR and the backend's settings for it: what a CLI run or a config needs. */
export const dataEnv = (dataDir: string): Record<string, string> => ({ JWKD_DATA_DIR: dataDir, ...storeEnv(dataDir) })
