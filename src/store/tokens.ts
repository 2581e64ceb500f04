import type { Clock } from '../clock.js'
import { randomUUID } from 'node:crypto'
import { statement, type Db } from './database.js'
import type { Tokens } from './repositories.js'
import { NameTakenError, isUniqueViolation } from './errors.js'
import { ReadCache, type DataVersion } from './read-cache.js'

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

export interface TokenRow {
  id: string,
  name: string,
  hash: string,
  roles: string,
  projects: string,
  created_at: string,
  expires_at: string | null,
  revoked_at: string | null
}

export const toTokenRecord = (row: TokenRow): TokenRecord => ({
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

export class TokenRepository implements Tokens {
  readonly #db: Db
  readonly #cache: ReadCache<TokenRecord>
  readonly #clock: Clock

  constructor (db: Db, version: DataVersion, clock: Clock) {
    this.#db = db
    this.#clock = clock
    this.#cache = new ReadCache(version)
  }

  async insert (token: NewToken): Promise<TokenRecord> {
    const record: TokenRecord = { id: randomUUID(), ...token, createdAt: this.#clock().toISOString(), revokedAt: null }
    try {
      statement(this.#db, 'INSERT INTO tokens (id, name, hash, roles, projects, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(record.id, record.name, record.hash, JSON.stringify(record.roles), JSON.stringify(record.projects), record.createdAt, record.expiresAt)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('token', token.name)
      throw err
    }
    return record
  }

  /** Every request looks its token up: cached (see ReadCache), so a revocation counts from the next request on. */
  async findByHash (hash: string): Promise<TokenRecord | undefined> {
    return this.#cache.get(hash, () => {
      const row = statement(this.#db, 'SELECT * FROM tokens WHERE hash = ?').get(hash) as TokenRow | undefined
      return row === undefined ? undefined : toTokenRecord(row)
    })
  }

  async list (): Promise<TokenRecord[]> {
    return (statement(this.#db, 'SELECT * FROM tokens ORDER BY name').all() as TokenRow[]).map(toTokenRecord)
  }

  /** @returns whether a live token of that name was revoked */
  async revoke (name: string): Promise<boolean> {
    this.#cache.clear()
    return statement(this.#db, 'UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL')
      .run(this.#clock().toISOString(), name).changes > 0
  }
}
