import { isResourceName } from '../schemas/common.js'
import { reconcileEnvironments } from '../deploy/open-target.js'
import { NameTakenError } from '../store/errors.js'
import type { SqliteBinding } from '../store/database.js'
import type { NamedResources, Repositories } from '../store/repositories.js'
import type { Store } from '../store/store.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface ResourceCommandContext {
  store: Store
  dataDir: string
  io: CliIo
  positionals: string[]
  description?: string
  sqlite?: SqliteBinding
}

function requireName (kind: string, positionals: string[]): string {
  const name = positionals[0]
  if (name === undefined) throw usageError(`${kind} name is required`)
  if (!isResourceName(name)) {
    throw new CliError(`invalid ${kind} name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`)
  }
  return name
}

/** Creates a project or an environment, turning a name clash into a message. */
async function createNamed (repository: (tx: Repositories) => NamedResources, kind: string, ctx: ResourceCommandContext): Promise<string> {
  const name = requireName(kind, ctx.positionals)
  try {
    await ctx.store.commits.run(async tx => await repository(tx).create(name, ctx.description ?? ''))
  } catch (err) {
    if (err instanceof NameTakenError) throw new CliError(`${kind} ${name} already exists`)
    throw err
  }
  return name
}

/** `jwkd project …`: projects own keys, so one that still has keys is not deleted. */
export async function projectCommand (action: string | undefined, ctx: ResourceCommandContext): Promise<void> {
  const { store, io } = ctx
  switch (action) {
    case 'create':
      io.out(await createNamed(tx => tx.projects, 'project', ctx))
      return
    case 'list':
      for (const project of await store.projects.list()) io.out(project.name)
      return
    case 'delete': {
      const name = requireName('project', ctx.positionals)
      // Counted and deleted under one write lock: a server cannot add a key in between.
      await store.commits.run(async tx => {
        const project = await tx.projects.findByName(name)
        if (project === undefined) throw new CliError(`project ${name} does not exist`)
        const keys = await tx.jwks.countByProject(project.id)
        if (keys > 0) throw new CliError(`project ${name} still has ${keys} JWK(s); delete them first`)
        const certificates = await tx.certificates.countByProject(project.id)
        if (certificates > 0) throw new CliError(`project ${name} still has ${certificates} certificate(s); delete them first`)
        const storedKeys = await tx.keys.countByProject(project.id)
        if (storedKeys > 0) throw new CliError(`project ${name} still has ${storedKeys} key(s); delete them first`)
        const keystores = await tx.keystores.countByProject(project.id)
        if (keystores > 0) throw new CliError(`project ${name} still has ${keystores} keystore(s); delete them first`)
        await tx.projects.delete(name)
      })
      io.out(name)
      return
    }
    default:
      throw usageError('usage: jwkd project create NAME [--description TEXT] | list | delete NAME')
  }
}

/** `jwkd env …`: every key lives in every environment, so creating one deploys them all to it. */
export async function envCommand (action: string | undefined, ctx: ResourceCommandContext): Promise<void> {
  const { store, io } = ctx
  switch (action) {
    case 'create': {
      const name = await createNamed(tx => tx.environments, 'environment', ctx)
      await reconcileEnvironments(store, { dataDir: ctx.dataDir, sqlite: ctx.sqlite })
      io.out(name)
      return
    }
    case 'list':
      for (const environment of await store.environments.list()) io.out(environment.name)
      return
    case 'delete': {
      const name = requireName('environment', ctx.positionals)
      if (!await store.commits.run(async tx => await tx.environments.delete(name))) throw new CliError(`environment ${name} does not exist`)
      await reconcileEnvironments(store, { dataDir: ctx.dataDir, sqlite: ctx.sqlite })
      io.out(name)
      return
    }
    default:
      throw usageError('usage: jwkd env create NAME [--description TEXT] | list | delete NAME')
  }
}
