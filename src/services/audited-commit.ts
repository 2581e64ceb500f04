import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import type { Actor } from './jwk-service.js'

export interface AuditedChange {
  actor: Actor
  action: string
  project: NamedResource
  /** the changed resource's name (the audit trail's `jwkName` column) */
  name: string
}

/** A change and its audit row in one group commit: both durable, or neither. */
export async function commitAudited<T> (store: Store, { actor, action, project, name }: AuditedChange, change: (tx: Repositories) => Promise<T>): Promise<T> {
  return await store.commits.run(async tx => {
    const result = await change(tx)
    await tx.audit.append({ actor: actor.tokenName, action, project: project.name, jwkName: name, outcome: 'success', requestId: actor.requestId })
    return result
  })
}
