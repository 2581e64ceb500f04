import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { clientBinary } from '../../harness/postgres.js'
import { databaseUrl, onPostgres } from './backend.js'

export interface AtRest {
  /** what was read: file paths, and `postgres` for the database's dump */
  sources: string[]
  bytes: Buffer
  /** whether `value` is anywhere in it: as text, as raw bytes, or as the hex a dump writes bytes in */
  includes: (value: string | Buffer) => boolean
}

function filesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap(entry => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/**
 * Everything jwkd keeps for a data directory, to search for what must not
 * be there: every file in it but the admin token and the master key (the
 * SQLite database, its WAL, the snapshot databases) and, on PostgreSQL, a
 * dump of every row of its database. Read with nothing closed, so a WAL
 * still holding the writes is searched too.
 */
export function atRest (dataDir: string): AtRest {
  const files = filesUnder(dataDir).filter(path => !path.endsWith('admin-token') && !path.endsWith('master.key'))
  const parts = files.map(path => readFileSync(path))
  if (onPostgres) parts.push(execFileSync(clientBinary('pg_dump'), ['--data-only', databaseUrl(dataDir)]))
  const bytes = Buffer.concat(parts)
  return {
    sources: onPostgres ? [...files, 'postgres'] : files,
    bytes,
    includes: value => bytes.includes(value) || (Buffer.isBuffer(value) && value.length > 0 && bytes.includes(value.toString('hex')))
  }
}

/** That the search covers where the backend keeps keys and snapshots, so finding nothing means something. */
export function assertCovers (t: Test, rest: AtRest, environments: string[]): void {
  if (onPostgres) {
    t.ok(rest.sources.includes('postgres') && rest.includes('COPY public.snapshots'), 'the database\'s rows, snapshots among them, are searched')
    return
  }
  t.ok(rest.sources.some(path => path.endsWith('jwkd.db-wal')), 'the WAL is among the files checked')
  t.ok(environments.every(environment => rest.sources.some(path => path.includes(`/environments/${environment}/`) && path.endsWith('.db-wal'))),
    'the snapshot databases (and their WALs) of every environment are checked')
}
