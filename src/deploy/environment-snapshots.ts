import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { configureDatabase, createOwnerOnly, purgeWal, sqliteOptions, statement, type SqliteBinding } from '../store/database.js'
import { fsyncPath, makeDirectoryDurably } from '../store/durable-fs.js'
import { environmentDatabasePath, type Snapshot } from './snapshot.js'

/** A put carries its JSON already made: a batch goes to every environment, serialized once. */
export type SnapshotChange =
  | { kind: 'put', id: string, project: string, revision: number, body: string }
  | { kind: 'remove', id: string }

export const putChange = (snapshot: Snapshot): SnapshotChange =>
  ({ kind: 'put', id: snapshot.id, project: snapshot.project, revision: snapshot.revision, body: JSON.stringify(snapshot) })

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS snapshots (
    id       TEXT PRIMARY KEY,
    project  TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body     TEXT NOT NULL      -- the Snapshot as JSON; private members sealed
  ) STRICT;
  CREATE INDEX IF NOT EXISTS snapshots_by_project ON snapshots (project);
`

function identity (path: string): string {
  const stat = statSync(path)
  return `${stat.dev}:${stat.ino}`
}

/**
 * What one environment holds: a SQLite database of its own, WAL with
 * synchronous=FULL like the main one, so a batch of snapshots costs one
 * transaction and one fsync however many keys it carries (a file per key
 * costs an fsync per key; see docs/DESIGN.md). Other processes — the CLI,
 * a gateway reading the environment — may open it at the same time.
 */
export class EnvironmentSnapshots {
  readonly #db: Database.Database
  /** bumped by our own commits; PRAGMA data_version only moves for other connections' */
  #ownWrites = 0
  readonly #byProject = new Map<string, { version: string, snapshots: Snapshot[] }>()
  readonly #path: string
  readonly #identity: string

  constructor (dataDir: string, environment: { id: string, name: string }, sqlite?: SqliteBinding) {
    const path = this.#path = environmentDatabasePath(dataDir, environment)
    makeDirectoryDurably(dirname(path))
    const created = !existsSync(path)
    createOwnerOnly(path)
    this.#identity = identity(path)
    this.#db = new Database(path, sqliteOptions(sqlite))
    try {
      configureDatabase(this.#db)
      this.#db.exec(SCHEMA)
      if (created) fsyncPath(dirname(path))
    } catch (err) {
      this.#db.close()
      throw err
    }
  }

  /**
   * Whether the file we hold open is still the one at the path. Removed or
   * replaced under us (by hand, say), our commits would land in a file nobody
   * can see, and "deployed" would be a lie.
   */
  stillAtPath (): boolean {
    try {
      return identity(this.#path) === this.#identity
    } catch {
      return false
    }
  }

  /**
   * Whether it was ever given every key (user_version 1): a database made
   * just now, or one whose first filling was cut short, holds only some.
   */
  get complete (): boolean {
    return this.#db.pragma('user_version', { simple: true }) === 1
  }

  /**
   * All changes in one transaction: durable together, or not at all.
   * `complete`: they make it hold every key. A batch that removes snapshots,
   * or reconciles (rewriting those a master-key rotation re-sealed), purges
   * the WAL: the old bodies' sealed blobs leave every file.
   */
  apply (changes: readonly SnapshotChange[], complete = false): void {
    if (changes.length === 0 && !complete) return
    const put = statement(this.#db, `INSERT INTO snapshots (id, project, revision, body) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET project = excluded.project, revision = excluded.revision, body = excluded.body
      WHERE excluded.revision >= snapshots.revision`)
    const remove = statement(this.#db, 'DELETE FROM snapshots WHERE id = ?')
    this.#db.transaction(() => {
      for (const change of changes) {
        if (change.kind === 'put') put.run(change.id, change.project, change.revision, change.body)
        else remove.run(change.id)
      }
      if (complete) this.#db.pragma('user_version = 1')
    }).immediate()
    this.#ownWrites++
    if (changes.some(change => change.kind === 'remove') || (complete && changes.length > 0)) purgeWal(this.#db)
  }

  /** Every deployed key's revision, for reconciling with the database. */
  revisions (): Map<string, number> {
    const rows = statement(this.#db, 'SELECT id, revision FROM snapshots').all() as Array<{ id: string, revision: number }>
    return new Map(rows.map(row => [row.id, row.revision]))
  }

  /** Moves whenever anyone (this connection or another process) commits a change to the environment. */
  get version (): string {
    // A prepared statement: db.pragma() compiles one per call, four times the cost on every public JWKS request.
    return `${this.#ownWrites}:${statement(this.#db, 'PRAGMA data_version').pluck().get() as number}`
  }

  /** A project's snapshots, parsed once per change of the environment (by anyone). */
  list (project: string): Snapshot[] {
    const version = this.version
    const cached = this.#byProject.get(project)
    if (cached?.version === version) return cached.snapshots
    const rows = statement(this.#db, 'SELECT body FROM snapshots WHERE project = ? ORDER BY id').all(project) as Array<{ body: string }>
    const snapshots = rows.map(row => JSON.parse(row.body) as Snapshot)
    this.#byProject.set(project, { version, snapshots })
    return snapshots
  }

  close (): void {
    if (this.#db.open) this.#db.close()
  }
}
