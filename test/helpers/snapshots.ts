import Database from 'better-sqlite3'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { environmentDir, type Snapshot } from '../../src/deploy/snapshot.js'
import { databaseUrl, onPostgres, psql } from './backend.js'

/** The environment's snapshot database files (the database, its -wal and -shm), as found on disk. */
export function environmentFiles (dataDir: string, environment: string): string[] {
  const dir = environmentDir(dataDir, environment)
  return existsSync(dir) ? readdirSync(dir).map(entry => join(dir, entry)) : []
}

/**
 * What an environment holds, read straight from its SQLite file (or its
 * rows in PostgreSQL) with a connection of the test's own, not jwkd's
 * code, by key id.
 */
export function deployedIn (dataDir: string, environment: string): Map<string, Snapshot> {
  if (onPostgres) return deployedInPostgres(dataDir, environment)
  const databases = environmentFiles(dataDir, environment).filter(path => /snapshots-[0-9a-f-]+\.db$/.test(path))
  if (databases.length === 0) return new Map()
  if (databases.length > 1) throw new Error(`${environment} has ${databases.length} snapshot databases`)
  // Read-write open (it changes nothing): after a SIGKILL, SQLite may need to rebuild the WAL index to read.
  const db = new Database(databases[0]!, { fileMustExist: true })
  try {
    const rows = db.prepare('SELECT id, body FROM snapshots').all() as Array<{ id: string, body: string }>
    return new Map(rows.map(row => [row.id, JSON.parse(row.body) as Snapshot]))
  } finally {
    db.close()
  }
}

/** SQL run by psql on a test data directory's PostgreSQL database (test/helpers/backend.ts): what it printed, tuples only. */
export const psqlIn = (dataDir: string, sql: string): string => psql(databaseUrl(dataDir), sql)

function deployedInPostgres (dataDir: string, environment: string): Map<string, Snapshot> {
  const query = `SELECT coalesce(json_agg(json_build_object('id', s.id, 'body', s.body)), '[]') FROM snapshots s
    JOIN environments e ON e.id = s.environment_id WHERE e.name = '${environment.replaceAll("'", "''")}'`
  const rows = JSON.parse(psqlIn(dataDir, query)) as Array<{ id: string, body: string }>
  return new Map(rows.map(row => [row.id, JSON.parse(row.body) as Snapshot]))
}
