import { randomUUID } from 'node:crypto'
import type { Clock } from '../../clock.js'
import { NameTakenError } from '../errors.js'
import { toResource, type NamedResource, type ResourceRow } from '../named-resources.js'
import type { NamedResources } from '../repositories.js'
import { changes, isPgUniqueViolation, rows, type Queryable } from './database.js'

/** Projects and environments on PostgreSQL. */
export class PgNamedResources implements NamedResources {
  readonly #db: Queryable
  readonly #table: 'projects' | 'environments'
  readonly #entity: string
  readonly #clock: Clock

  constructor (db: Queryable, table: 'projects' | 'environments', entity: string, clock: Clock) {
    this.#db = db
    this.#table = table
    this.#entity = entity
    this.#clock = clock
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
    const [row] = await rows<ResourceRow>(this.#db, `SELECT * FROM ${this.#table} WHERE name = $1`, [name])
    return row === undefined ? undefined : toResource(row)
  }

  async list (): Promise<NamedResource[]> {
    return (await rows<ResourceRow>(this.#db, `SELECT * FROM ${this.#table} ORDER BY name`)).map(toResource)
  }

  async delete (name: string): Promise<boolean> {
    return await changes(this.#db, `DELETE FROM ${this.#table} WHERE name = $1`, [name]) > 0
  }
}
