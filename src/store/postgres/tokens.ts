import { randomUUID } from 'node:crypto'
import type { Clock } from '../../clock.js'
import { NameTakenError } from '../errors.js'
import type { ReadCache } from '../read-cache.js'
import type { Tokens } from '../repositories.js'
import { toTokenRecord, type NewToken, type TokenRecord, type TokenRow } from '../tokens.js'
import { changes, isPgUniqueViolation, rows, type Queryable } from './database.js'

/** API tokens on PostgreSQL, only their hashes; looked up through the store's cache, which any instance's commit clears. */
export class PgTokens implements Tokens {
  readonly #db: Queryable
  readonly #clock: Clock
  readonly #cache: ReadCache<TokenRecord>

  constructor (db: Queryable, clock: Clock, cache: ReadCache<TokenRecord>) {
    this.#db = db
    this.#clock = clock
    this.#cache = cache
  }

  async insert (token: NewToken): Promise<TokenRecord> {
    const record: TokenRecord = { id: randomUUID(), ...token, createdAt: this.#clock().toISOString(), revokedAt: null }
    try {
      await this.#db.query('INSERT INTO tokens (id, name, hash, roles, projects, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [record.id, record.name, record.hash, JSON.stringify(record.roles), JSON.stringify(record.projects), record.createdAt, record.expiresAt])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('token', token.name)
      throw err
    }
    return record
  }

  async findByHash (hash: string): Promise<TokenRecord | undefined> {
    return await this.#cache.getAsync(hash, async () => {
      const [row] = await rows<TokenRow>(this.#db, 'SELECT * FROM tokens WHERE hash = $1', [hash])
      return row === undefined ? undefined : toTokenRecord(row)
    })
  }

  async list (): Promise<TokenRecord[]> {
    return (await rows<TokenRow>(this.#db, 'SELECT * FROM tokens ORDER BY name')).map(toTokenRecord)
  }

  async revoke (name: string): Promise<boolean> {
    this.#cache.clear()
    return await changes(this.#db, 'UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL', [this.#clock().toISOString(), name]) > 0
  }
}
