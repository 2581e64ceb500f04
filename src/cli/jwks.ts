import { reconcileEnvironments } from '../deploy/open-target.js'
import type { Repositories, Store } from '../store/store.js'
import type { SqliteBinding } from '../store/database.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface JwkCommandContext {
  store: Store
  dataDir: string
  io: CliIo
  positionals: string[]
  sqlite?: SqliteBinding
}

async function requireProject (store: Repositories, name: string | undefined): Promise<{ id: string, name: string }> {
  if (name === undefined) throw usageError('project name is required')
  const project = await store.projects.findByName(name)
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
      const project = await requireProject(store, positionals[0])
      for (const record of await store.jwks.listByProject(project.id)) io.out(record.name)
      return
    }
    case 'delete': {
      if (positionals[1] === undefined) throw usageError('usage: jwkd jwk delete PROJECT NAME')
      const name = positionals[1]
      const deleted = await store.commits.run(async tx => {
        const project = await requireProject(tx, positionals[0])
        // As `list` printed it: a name stored before lone surrogates were refused reads back
        // with U+FFFD in their place, which no exact (byte) match finds.
        const record = await tx.jwks.findByName(project.id, name) ?? (await tx.jwks.listByProject(project.id)).find(key => key.name === name)
        if (record === undefined) throw new CliError(`JWK ${name} does not exist in project ${project.name}`)
        await tx.jwks.delete(record.id)
        await tx.audit.append({ actor: 'cli', action: 'jwk.delete', project: project.name, jwkName: record.name, kid: record.kid, outcome: 'success' })
        return record
      })
      await store.purgeDeleted()
      // Undeploys it everywhere (and purges the environments' WALs).
      await reconcileEnvironments(store, { dataDir: ctx.dataDir, sqlite: ctx.sqlite })
      io.out(deleted.name)
      return
    }
    default:
      throw usageError('usage: jwkd jwk list PROJECT | delete PROJECT NAME')
  }
}
