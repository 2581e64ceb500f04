import type { SqliteBinding } from '../store/database.js'
import type { NamedResource } from '../store/named-resources.js'
import { EnvironmentSnapshots } from './environment-snapshots.js'

export type EnvironmentRef = Pick<NamedResource, 'id' | 'name'>

/**
 * A thread's open environment databases, by environment id. One is reopened
 * if its file was removed or replaced under us (our commits would land where
 * nobody can see them); a failure to open is not remembered, so the next
 * batch tries again.
 */
export class OpenEnvironments {
  readonly #dataDir: string
  readonly #prepare: (snapshots: EnvironmentSnapshots) => Promise<void>
  readonly #sqlite: SqliteBinding | undefined
  readonly #open = new Map<string, EnvironmentSnapshots>()
  /** databases being opened and prepared: a second caller waits for the same one */
  readonly #opening = new Map<string, Promise<EnvironmentSnapshots>>()

  /** `prepare` runs on every database opened, before first use (the main thread fills new ones). */
  constructor (dataDir: string, options: { prepare?: (snapshots: EnvironmentSnapshots) => Promise<void>, sqlite?: SqliteBinding } = {}) {
    this.#dataDir = dataDir
    this.#prepare = options.prepare ?? (async () => {})
    this.#sqlite = options.sqlite
  }

  async get (environment: EnvironmentRef): Promise<EnvironmentSnapshots> {
    const cached = this.#open.get(environment.id)
    if (cached?.stillAtPath() === true) return cached
    const opening = this.#opening.get(environment.id)
    if (opening !== undefined) return await opening
    cached?.close()
    this.#open.delete(environment.id)
    const opened = this.#openPrepared(environment)
    this.#opening.set(environment.id, opened)
    try {
      return await opened
    } finally {
      this.#opening.delete(environment.id)
    }
  }

  async #openPrepared (environment: EnvironmentRef): Promise<EnvironmentSnapshots> {
    const snapshots = new EnvironmentSnapshots(this.#dataDir, environment, this.#sqlite)
    try {
      await this.#prepare(snapshots)
    } catch (err) {
      snapshots.close()
      throw err
    }
    this.#open.set(environment.id, snapshots)
    return snapshots
  }

  /** Closes the databases of environments that are gone (the CLI may delete one while we run). */
  retain (environments: readonly EnvironmentRef[]): void {
    const current = new Set(environments.map(environment => environment.id))
    for (const [id, snapshots] of this.#open) {
      if (!current.has(id)) {
        snapshots.close()
        this.#open.delete(id)
      }
    }
  }

  closeAll (): void {
    this.retain([])
  }
}
