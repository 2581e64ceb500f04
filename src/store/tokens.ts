import { randomUUID } from 'node:crypto'
import { statement, type Db } from './database.js'
import { NameTakenError, isUniqueViolation } from './errors.js'

export interface TokenRecord {
  id: string
  name: string
  hash: string
  roles: string[]
  /** project names, or ['*'] for every project */
  projects: string[]
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
}

interface Row {
  id: string,
  name: string,
  hash: string,
  roles: string,
  projects: string,
  created_at: string,
  expires_at: string | null,
  revoked_at: string | null
}

const toRecord = (row: Row): TokenRecord => ({
  id: row.id,
  name: row.name,
  hash: row.hash,
  roles: JSON.parse(row.roles) as string[],
  projects: JSON.parse(row.projects) as string[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at
})

export interface NewToken {
  name: string
  hash: string
  roles: string[]
  projects: string[]
  expiresAt: string | null
}

const MAX_CACHED_TOKENS = 1024

export class TokenRepository {
  readonly #db: Db
  readonly #cache = new Map<string, TokenRecord>()
  #cachedAt = -1

  constructor (db: Db) {
    this.#db = db
  }

  insert (token: NewToken): TokenRecord {
    this.#cache.clear()
    const record: TokenRecord = { id: randomUUID(), ...token, createdAt: new Date().toISOString(), revokedAt: null }
    try {
      statement(this.#db, 'INSERT INTO tokens (id, name, hash, roles, projects, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(record.id, record.name, record.hash, JSON.stringify(record.roles), JSON.stringify(record.projects), record.createdAt, record.expiresAt)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('token', token.name)
      throw err
    }
    return record
  }

  /**
   * Every request looks its token up; tokens change rarely. Found tokens are
   * kept until this connection writes one or another connection (the CLI
   * revoking, say) commits anything: PRAGMA data_version moves exactly then,
   * so a revocation counts from the next request on. Misses are not kept,
   * so guessing cannot fill the cache.
   */
  findByHash (hash: string): TokenRecord | undefined {
    const version = statement(this.#db, 'PRAGMA data_version').pluck().get() as number
    if (version !== this.#cachedAt) {
      this.#cache.clear()
      this.#cachedAt = version
    }
    const cached = this.#cache.get(hash)
    if (cached !== undefined) return cached
    const row = statement(this.#db, 'SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined
    if (row === undefined) return undefined
    if (this.#cache.size >= MAX_CACHED_TOKENS) this.#cache.clear()
    const record = toRecord(row)
    this.#cache.set(hash, record)
    return record
  }

  list (): TokenRecord[] {
    return (statement(this.#db, 'SELECT * FROM tokens ORDER BY name').all() as Row[]).map(toRecord)
  }

  /** @returns whether a live token of that name was revoked */
  revoke (name: string): boolean {
    this.#cache.clear()
    return statement(this.#db, 'UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
      .run(new Date().toISOString(), name).changes > 0
  }
}
