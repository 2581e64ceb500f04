import { statement, type Db } from './database.js'
import type { Meta } from './repositories.js'

/** Small facts about the data directory itself (bootstrap done, master-key check value). */
export class MetaRepository implements Meta {
  readonly #db: Db

  constructor (db: Db) {
    this.#db = db
  }

  async get (key: string): Promise<string | undefined> {
    return (statement(this.#db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
  }

  async set (key: string, value: string): Promise<void> {
    statement(this.#db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
  }
}
