import Database from 'better-sqlite3'
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { MIGRATIONS } from './migrations.js'

export type Db = Database.Database

const statements = new WeakMap<Db, Map<string, Database.Statement>>()

/**
 * A prepared statement, compiled once per connection: preparing costs more
 * than running the small statements jwkd uses on every request.
 */
export function statement (db: Db, sql: string): Database.Statement {
  let cache = statements.get(db)
  if (cache === undefined) statements.set(db, cache = new Map())
  let prepared = cache.get(sql)
  if (prepared === undefined) cache.set(sql, prepared = db.prepare(sql))
  return prepared
}

export const databasePath = (dataDir: string): string => join(dataDir, 'jwkd.db')

/**
 * better-sqlite3's addon when it is not the one in node_modules (the single
 * executable carries its own), with its path: an addon object cannot cross
 * to a worker thread, which loads it again.
 */
export interface SqliteBinding {
  addon: object
  path: string
}

export const loadSqliteBinding = (path: string): SqliteBinding => ({ addon: createRequire(path)(path) as object, path })

/** better-sqlite3's options for every database jwkd opens. */
export const sqliteOptions = (binding: SqliteBinding | undefined): Database.Options =>
  binding === undefined ? {} : { nativeBinding: binding.addon as never }

/**
 * Makes the database file owner-only before SQLite opens it (its -wal and
 * -shm files copy the database's mode), and narrows the files an older jwkd
 * left group- or world-readable.
 */
export function createOwnerOnly (path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
}

/**
 * The pragmas every jwkd database gets: WAL so the CLI can write while the
 * server reads, synchronous=FULL so a commit is on disk before anyone is told
 * it happened, secure_delete so a removed key's bytes are zeroed, not left
 * in free pages for a copy of the file to give up.
 */
export function configureDatabase (db: Db): void {
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('secure_delete = ON')
  db.pragma('busy_timeout = 5000')
}

/**
 * Checkpoints the WAL into the database and truncates it: the WAL still
 * holds the pages a delete zeroed, as they were. Best effort and never
 * waiting: a reader in another process (the CLI, a gateway) may hold the
 * WAL, and then the next purge gets it.
 */
export function purgeWal (db: Db): void {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number
  db.pragma('busy_timeout = 0')
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.pragma(`busy_timeout = ${timeout}`)
  }
}

/** Opens (creating if needed) the data directory's database, with every pending migration applied. */
export function openDatabase (dataDir: string, binding?: SqliteBinding): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  createOwnerOnly(databasePath(dataDir))
  const db = new Database(databasePath(dataDir), sqliteOptions(binding))
  configureDatabase(db)
  db.pragma('foreign_keys = ON')
  migrate(db)
  return db
}

export function migrate (db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > MIGRATIONS.length) {
    throw new Error(`the database schema is version ${current}, newer than this jwkd (${MIGRATIONS.length}); upgrade jwkd`)
  }
  // IMMEDIATE: two processes starting at once must not both migrate.
  const apply = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number
    for (let next = version; next < MIGRATIONS.length; next++) {
      db.exec(MIGRATIONS[next] as string)
      db.pragma(`user_version = ${next + 1}`)
    }
  })
  if (current < MIGRATIONS.length) apply.immediate()
}
