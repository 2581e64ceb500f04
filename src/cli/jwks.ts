import type { Config } from '../config.js'
import { Deployer } from '../deploy/deployer.js'
import { reconcileEnvironments, snapshotTargetFor } from '../deploy/open-target.js'
import { BadRequestError } from '../errors.js'
import { KeygenPool } from '../pool/keygen-pool.js'
import type { RuntimeAssets } from '../runtime-assets.js'
import { versionViews } from '../services/key-versions.js'
import { RotationService } from '../services/rotation-service.js'
import { Vault } from '../services/vault.js'
import type { Repositories, Store } from '../store/store.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface JwkCommandContext {
  store: Store
  config: Config
  io: CliIo
  positionals: string[]
  options: { kid?: string }
  assets: RuntimeAssets
}

const USAGE = 'usage: jwkd jwk list PROJECT | delete PROJECT NAME | versions PROJECT NAME | rotate PROJECT NAME [--kid KID]'

/** A rotation from the CLI: the server's own service, on this process's store, vault, workers and environments. */
async function rotate (ctx: JwkCommandContext, project: { id: string, name: string }, name: string): Promise<string> {
  const keygen = new KeygenPool({ size: 1, maxQueue: 1, workers: ctx.assets.workers })
  const deployer = new Deployer(ctx.store, snapshotTargetFor(ctx.store, { dataDir: ctx.config.dataDir, sqlite: ctx.assets.sqlite, workers: ctx.assets.workers }))
  try {
    const rotation = new RotationService({ store: ctx.store, sealer: await Vault.open(ctx.store, ctx.config), keygen, deployer, clock: ctx.store.clock })
    const { record, deploymentResult } = await rotation.rotate(project, name, ctx.options.kid === undefined ? {} : { kid: ctx.options.kid }, { tokenName: 'cli' })
    if (!deploymentResult.success) ctx.io.err(`jwkd: ${deploymentResult.message}`)
    return record.kid ?? ''
  } catch (err) {
    if (err instanceof BadRequestError) throw new CliError(err.message)
    throw err
  } finally {
    await deployer.close()
    await keygen.close()
  }
}

async function requireProject (store: Repositories, name: string | undefined): Promise<{ id: string, name: string }> {
  if (name === undefined) throw usageError('project name is required')
  const project = await store.projects.findByName(name)
  if (project === undefined) throw new CliError(`project ${name} does not exist`)
  return project
}

/**
 * `jwkd jwk list | delete | versions | rotate`: whatever a key is called, an
 * operator can see it and remove it (with its snapshots in every environment
 * and its bytes purged from the files), list its versions and rotate it.
 */
export async function jwkCommand (action: string | undefined, ctx: JwkCommandContext): Promise<void> {
  const { store, io, positionals } = ctx
  switch (action) {
    case 'versions': {
      if (positionals[1] === undefined) throw usageError('usage: jwkd jwk versions PROJECT NAME')
      const project = await requireProject(store, positionals[0])
      const record = await store.jwks.findByName(project.id, positionals[1])
      if (record === undefined) throw new CliError(`JWK ${positionals[1]} does not exist in project ${project.name}`)
      for (const version of await versionViews(record, store)) {
        io.out([version.version, version.kid, version.state, version.activatesAt ?? '-', version.verifyUntil ?? '-'].join('\t'))
      }
      return
    }
    case 'rotate': {
      if (positionals[1] === undefined) throw usageError('usage: jwkd jwk rotate PROJECT NAME [--kid KID]')
      const project = await requireProject(store, positionals[0])
      io.out(await rotate(ctx, project, positionals[1]))
      return
    }
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
      await reconcileEnvironments(store, { dataDir: ctx.config.dataDir, sqlite: ctx.assets.sqlite })
      io.out(deleted.name)
      return
    }
    default:
      throw usageError(USAGE)
  }
}
