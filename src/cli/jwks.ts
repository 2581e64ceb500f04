import { reconcileEnvironments } from '../deploy/deployer.js'
import type { Store } from '../store/store.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface JwkCommandContext {
  store: Store
  dataDir: string
  io: CliIo
  positionals: string[]
}

/**
 * A name as the shell can show and pass it: as it is, or, when it is not
 * well-formed Unicode (a key stored before such names were refused), as a
 * JSON string literal, which `jwk delete` takes back.
 */
const shownName = (name: string): string => name.isWellFormed() ? name : JSON.stringify(name)

function givenName (argument: string): string {
  if (argument.length < 2 || !argument.startsWith('"') || !argument.endsWith('"')) return argument
  try {
    const decoded: unknown = JSON.parse(argument)
    return typeof decoded === 'string' ? decoded : argument
  } catch {
    return argument
  }
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
      for (const record of store.jwks.listByProject(project.id)) io.out(shownName(record.name))
      return
    }
    case 'delete': {
      if (positionals[1] === undefined) throw usageError('usage: jwkd jwk delete PROJECT NAME')
      const name = givenName(positionals[1])
      const deleted = store.db.transaction(() => {
        const project = requireProject(store, positionals[0])
        const record = store.jwks.findByName(project.id, name)
        if (record === undefined) throw new CliError(`JWK ${shownName(name)} does not exist in project ${project.name}`)
        store.jwks.delete(record.id)
        store.audit.append({ actor: 'cli', action: 'jwk.delete', project: project.name, jwkName: record.name, kid: record.kid, outcome: 'success' })
        return record
      }).immediate()
      store.purgeDeleted()
      // Undeploys it everywhere (and purges the environments' WALs).
      await reconcileEnvironments(ctx.dataDir, store)
      io.out(shownName(deleted.name))
      return
    }
    default:
      throw usageError('usage: jwkd jwk list PROJECT | delete PROJECT NAME')
  }
}
