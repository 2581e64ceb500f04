import type { Meta } from '../repositories.js'
import { rows, type Queryable } from './database.js'

export class PgMeta implements Meta {
  readonly #db: Queryable
  readonly #lock: string

  /** Inside a transaction a value read stays share-locked until the commit: what it decided cannot change under it. */
  constructor (db: Queryable, inTransaction: boolean) {
    this.#db = db
    this.#lock = inTransaction ? ' FOR SHARE' : ''
  }

  async get (key: string): Promise<string | undefined> {
    return (await rows<{ value: string }>(this.#db, `SELECT value FROM meta WHERE key = $1${this.#lock}`, [key]))[0]?.value
  }

  async set (key: string, value: string): Promise<void> {
    await this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value])
  }
}
