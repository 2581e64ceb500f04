import { randomUUID } from 'node:crypto'
import type { Clock } from '../../clock.js'
import { NameTakenError } from '../errors.js'
import { toResource, type NamedResource, type ResourceRow } from '../named-resources.js'
import type { ReadCache } from '../read-cache.js'
import type { NamedResources } from '../repositories.js'
import { changes, isPgUniqueViolation, rows, type Queryable } from './database.js'

/**
 * Projects and environments on PostgreSQL. Every request resolves its project
 * by name: outside a transaction through the store's cache (kept until any
 * instance commits); inside one always from the database.
 */
export class PgNamedResources implements NamedResources {
  readonly #db: Queryable
  readonly #table: 'projects' | 'environments'
  readonly #entity: string
  readonly #clock: Clock
  readonly #cache: ReadCache<NamedResource>
  readonly #inTransaction: boolean

  constructor (db: Queryable, table: 'projects' | 'environments', entity: string, clock: Clock, cache: ReadCache<NamedResource>, inTransaction: boolean) {
    this.#db = db
    this.#table = table
    this.#entity = entity
    this.#clock = clock
    this.#cache = cache
    this.#inTransaction = inTransaction
  }

  async create (name: string, description = ''): Promise<NamedResource> {
    const resource = { id: randomUUID(), name, description, createdAt: this.#clock().toISOString() }
    try {
      await this.#db.query(`INSERT INTO ${this.#table} (id, name, description, created_at) VALUES ($1, $2, $3, $4)`, [resource.id, name, description, resource.createdAt])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError(this.#entity, name)
      throw err
    }
    return resource
  }

  async findByName (name: string): Promise<NamedResource | undefined> {
    if (this.#inTransaction) return await this.#load(name)
    return await this.#cache.getAsync(name, async () => await this.#load(name))
  }

  async #load (name: string): Promise<NamedResource | undefined> {
    const [row] = await rows<ResourceRow>(this.#db, `SELECT * FROM ${this.#table} WHERE name = $1`, [name])
    return row === undefined ? undefined : toResource(row)
  }

  async list (): Promise<NamedResource[]> {
    return (await rows<ResourceRow>(this.#db, `SELECT * FROM ${this.#table} ORDER BY name`)).map(toResource)
  }

  async delete (name: string): Promise<boolean> {
    this.#cache.clear()
    return await changes(this.#db, `DELETE FROM ${this.#table} WHERE name = $1`, [name]) > 0
  }
}
