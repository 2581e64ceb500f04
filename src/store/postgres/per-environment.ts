import type { Clock } from '../../clock.js'
import { changes, count, rows, type Queryable } from './database.js'

/** Where one kind of per-environment resource lives, and how its rows become records. */
export interface PerEnvironmentTables<Row, CopyRow, R> {
  table: 'certificates' | 'crypto_keys' | 'keystores'
  /** the copies of the owners whose ids are `$1`, by environment name */
  copiesSql: string
  records: (rows: Row[], copies: CopyRow[]) => R[]
}

/**
 * What certificates, keys and keystores share on PostgreSQL: found by name
 * (locked inside a transaction, so a racing change waits and then finds it
 * gone), listed, counted and deleted with their copies.
 */
export class PgPerEnvironment<Row extends { id: string }, CopyRow, R> {
  protected readonly db: Queryable
  protected readonly clock: Clock
  readonly #tables: PerEnvironmentTables<Row, CopyRow, R>
  readonly #lock: string

  constructor (db: Queryable, clock: Clock, inTransaction: boolean, tables: PerEnvironmentTables<Row, CopyRow, R>) {
    this.db = db
    this.clock = clock
    this.#tables = tables
    this.#lock = inTransaction ? ' FOR UPDATE' : ''
  }

  async #records (found: Row[]): Promise<R[]> {
    const copies = found.length === 0 ? [] : await rows<CopyRow>(this.db, this.#tables.copiesSql, [found.map(row => row.id)])
    return this.#tables.records(found, copies)
  }

  async findByName (projectId: string, name: string): Promise<R | undefined> {
    return (await this.#records(await rows<Row>(this.db, `SELECT * FROM ${this.#tables.table} WHERE project_id = $1 AND name = $2${this.#lock}`, [projectId, name])))[0]
  }

  async listByProject (projectId: string): Promise<R[]> {
    return await this.#records(await rows<Row>(this.db, `SELECT * FROM ${this.#tables.table} WHERE project_id = $1 ORDER BY name`, [projectId]))
  }

  async countByProject (projectId: string): Promise<number> {
    return await count(this.db, `SELECT count(*) FROM ${this.#tables.table} WHERE project_id = $1`, [projectId])
  }

  /** @returns whether it existed; its copies go with it */
  async delete (id: string): Promise<boolean> {
    return await changes(this.db, `DELETE FROM ${this.#tables.table} WHERE id = $1`, [id]) > 0
  }
}
