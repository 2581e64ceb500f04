import { reconcileEnvironments } from '../deploy/deployer.js'
import type { Store } from '../store/store.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface JwkCommandContext {
  store: Store
  dataDir: string
  io: CliIo
  positionals: string[]
}

function requireProject (store: Store, name: string | undefined): { id: string, name: string } {
  if (name === undefined) throw usageError('project name is required')
  const project = store.projects.findByName(name)
  if (project === undefined) throw new CliError(`project ${name} does not exist`)
  return project
}

/**
 * `jwkd jwk list PROJECT | delete PROJECT NAME`: whatever a key is called,
 * an operator can see it and remove it, with its snapshots in every
 * environment and its bytes purged from the files.
 */
export async function jwkCommand (action: string | undefined, ctx: JwkCommandContext): Promise<void> {
  const { store, io, positionals } = ctx
  switch (action) {
    case 'list': {
      const project = requireProject(store, positionals[0])
      for (const record of store.jwks.listByProject(project.id)) io.out(record.name)
      return
    }
    case 'delete': {
      if (positionals[1] === undefined) throw usageError('usage: jwkd jwk delete PROJECT NAME')
      const name = positionals[1]
      const deleted = store.writeTransaction(() => {
        const project = requireProject(store, positionals[0])
        // As `list` printed it: a name stored before lone surrogates were refused reads back
        // with U+FFFD in their place, which no exact (byte) match finds.
        const record = store.jwks.findByName(project.id, name) ?? store.jwks.listByProject(project.id).find(key => key.name === name)
        if (record === undefined) throw new CliError(`JWK ${name} does not exist in project ${project.name}`)
        store.jwks.delete(record.id)
        store.audit.append({ actor: 'cli', action: 'jwk.delete', project: project.name, jwkName: record.name, kid: record.kid, outcome: 'success' })
        return record
      })
      store.purgeDeleted()
      // Undeploys it everywhere (and purges the environments' WALs).
      await reconcileEnvironments(ctx.dataDir, store)
      io.out(deleted.name)
      return
    }
    default:
      throw usageError('usage: jwkd jwk list PROJECT | delete PROJECT NAME')
  }
}
