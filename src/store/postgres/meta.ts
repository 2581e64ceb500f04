import type { Meta } from '../repositories.js'
import { rows, type Queryable } from './database.js'

export class PgMeta implements Meta {
  readonly #db: Queryable

  constructor (db: Queryable) {
    this.#db = db
  }

  async get (key: string): Promise<string | undefined> {
    return (await rows<{ value: string }>(this.#db, 'SELECT value FROM meta WHERE key = $1', [key]))[0]?.value
  }

  async set (key: string, value: string): Promise<void> {
    await this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value])
  }
}
