import { systemClock, type Clock } from '../clock.js'
import { AuditLog } from './audit.js'
import { CertificateRepository } from './certificates.js'
import { KeyRepository } from './crypto-keys.js'
import { KeystoreRepository } from './keystores.js'
import { GroupCommit } from './group-commit.js'
import type { Repositories } from './repositories.js'
import type { Store } from './store.js'
import { openDatabase, purgeWal, type Db, type SqliteBinding } from './database.js'
import { JwkRepository } from './jwks.js'
import { JwkVersionRepository } from './jwk-versions.js'
import { MetaRepository } from './meta.js'
import { NamedResourceRepository } from './named-resources.js'
import { DataVersion } from './read-cache.js'
import { TokenRepository } from './tokens.js'

export interface StoreOptions {
  clock?: Clock
  sqlite?: SqliteBinding
}

/** The embedded default: one SQLite file in the data directory, its writes group-committed. */
export class SqliteStore implements Store {
  readonly db: Db
  readonly projects: NamedResourceRepository
  readonly environments: NamedResourceRepository
  readonly tokens: TokenRepository
  readonly jwks: JwkRepository
  readonly jwkVersions: JwkVersionRepository
  readonly certificates: CertificateRepository
  readonly keys: KeyRepository
  readonly keystores: KeystoreRepository
  readonly audit: AuditLog
  readonly meta: MetaRepository
  /** moves when another connection commits: what the read caches follow */
  readonly version: DataVersion
  /** the way request-path writes reach the disk: batched, one fsync per batch */
  readonly commits: GroupCommit<Repositories>

  /** every timestamp the repositories write */
  readonly clock: Clock

  constructor (db: Db, options: StoreOptions = {}) {
    const clock = options.clock ?? systemClock
    this.db = db
    this.clock = clock
    this.version = new DataVersion(db)
    this.projects = new NamedResourceRepository(db, 'projects', 'project', this.version, clock)
    this.environments = new NamedResourceRepository(db, 'environments', 'environment', this.version, clock)
    this.tokens = new TokenRepository(db, this.version, clock)
    this.jwks = new JwkRepository(db, clock)
    this.jwkVersions = new JwkVersionRepository(db)
    this.certificates = new CertificateRepository(db, clock)
    this.keys = new KeyRepository(db, clock)
    this.keystores = new KeystoreRepository(db, clock)
    this.audit = new AuditLog(db, clock)
    this.meta = new MetaRepository(db)
    // One connection: a transaction's repositories are the store's own.
    this.commits = new GroupCommit<Repositories>(db, this)
  }

  static open (dataDir: string, options: StoreOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(dataDir, options.sqlite), options)
  }

  /** Taking the write lock and letting it go proves the file is open, writable and not stuck. */
  async writable (): Promise<boolean> {
    try {
      this.db.exec('BEGIN IMMEDIATE; ROLLBACK')
      return true
    } catch {
      return false
    }
  }

  /** After a delete: the removed rows' old pages leave the WAL too (secure_delete zeroed them in the database). */
  /** The file stayed locked by another process past busy_timeout. */
  isUnavailable (err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code
    return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
  }

  async purgeDeleted (): Promise<void> {
    purgeWal(this.db)
  }

  async close (): Promise<void> {
    if (this.db.open) this.db.close()
  }
}
