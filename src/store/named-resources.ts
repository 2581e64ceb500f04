import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { statement, type Db } from './database.js'
import type { NamedResources } from './repositories.js'
import { NameTakenError, isUniqueViolation } from './errors.js'
import { ReadCache, type DataVersion } from './read-cache.js'

export interface NamedResource {
  id: string
  name: string
  description: string
  createdAt: string
}

export interface ResourceRow { id: string, name: string, description: string, created_at: string }

export const toResource = (row: ResourceRow): NamedResource =>
  ({ id: row.id, name: row.name, description: row.description, createdAt: row.created_at })

/** Projects and environments: the same shape, the same operations, another table. */
export class NamedResourceRepository implements NamedResources {
  readonly #db: Db
  readonly #entity: string
  readonly #table: 'projects' | 'environments'
  /** every project-scoped request resolves its project by name */
  readonly #byName: ReadCache<NamedResource>
  readonly #clock: Clock

  constructor (db: Db, table: 'projects' | 'environments', entity: string, version: DataVersion, clock: Clock) {
    this.#db = db
    this.#clock = clock
    this.#table = table
    this.#entity = entity
    this.#byName = new ReadCache(version)
  }

  async create (name: string, description = ''): Promise<NamedResource> {
    const resource = { id: randomUUID(), name, description, createdAt: this.#clock().toISOString() }
    try {
      statement(this.#db, `INSERT INTO ${this.#table} (id, name, description, created_at) VALUES (?, ?, ?, ?)`)
        .run(resource.id, name, description, resource.createdAt)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError(this.#entity, name)
      throw err
    }
    return resource
  }

  async findByName (name: string): Promise<NamedResource | undefined> {
    return this.#byName.get(name, () => {
      const row = statement(this.#db, `SELECT * FROM ${this.#table} WHERE name = ?`).get(name) as ResourceRow | undefined
      return row === undefined ? undefined : toResource(row)
    })
  }

  async list (): Promise<NamedResource[]> {
    return (statement(this.#db, `SELECT * FROM ${this.#table} ORDER BY name`).all() as ResourceRow[]).map(toResource)
  }

  /** @returns whether a row was deleted */
  async delete (name: string): Promise<boolean> {
    this.#byName.clear()
    return statement(this.#db, `DELETE FROM ${this.#table} WHERE name = ?`).run(name).changes > 0
  }
}
