import type { AuditEntry, AuditRecord } from '../store/audit.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'

/** A project's audit trail: read by its users, written by the services and by refusals of changes. */
export class AuditTrail {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  /** Oldest first, from `since` on, at most `limit` entries. */
  async list (project: NamedResource, filter: { since?: Date, limit: number }): Promise<AuditRecord[]> {
    return await this.#store.audit.list({ project: project.name, ...filter })
  }

  /** A change the project let its caller attempt, and refused; durable like every audit entry. */
  async refused (entry: Omit<AuditEntry, 'outcome'>, status: number): Promise<void> {
    await this.#store.commits.run(async tx => await tx.audit.append({ ...entry, outcome: `refused: ${status}` }))
  }
}
