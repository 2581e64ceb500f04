import { statement, type Db } from './database.js'

/** Small facts about the data directory itself (bootstrap done, master-key check value). */
export class MetaRepository {
  readonly #db: Db

  constructor (db: Db) {
    this.#db = db
  }

  get (key: string): string | undefined {
    return (statement(this.#db, 'SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
  }

  set (key: string, value: string): void {
    statement(this.#db, 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value)
  }
}
