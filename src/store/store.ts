import { AuditLog } from './audit.js'
import { GroupCommit } from './group-commit.js'
import { openDatabase, purgeWal, type Db } from './database.js'
import { JwkRepository } from './jwks.js'
import { MetaRepository } from './meta.js'
import { NamedResourceRepository } from './named-resources.js'
import { DataVersion } from './read-cache.js'
import { TokenRepository } from './tokens.js'

/** One data directory's database and its repositories. */
export class Store {
  readonly db: Db
  readonly projects: NamedResourceRepository
  readonly environments: NamedResourceRepository
  readonly tokens: TokenRepository
  readonly jwks: JwkRepository
  readonly audit: AuditLog
  readonly meta: MetaRepository
  /** moves when another connection commits: what the read caches follow */
  readonly version: DataVersion
  /** the way request-path writes reach the disk: batched, one fsync per batch */
  readonly commits: GroupCommit

  constructor (db: Db) {
    this.db = db
    this.version = new DataVersion(db)
    this.projects = new NamedResourceRepository(db, 'projects', 'project', this.version)
    this.environments = new NamedResourceRepository(db, 'environments', 'environment', this.version)
    this.tokens = new TokenRepository(db, this.version)
    this.jwks = new JwkRepository(db)
    this.audit = new AuditLog(db)
    this.meta = new MetaRepository(db)
    this.commits = new GroupCommit(db)
  }

  static open (dataDir: string): Store {
    return new Store(openDatabase(dataDir))
  }

  /** After a delete: the removed rows' old pages leave the WAL too (secure_delete zeroed them in the database). */
  purgeDeleted (): void {
    purgeWal(this.db)
  }

  close (): void {
    if (this.db.open) this.db.close()
  }
}
