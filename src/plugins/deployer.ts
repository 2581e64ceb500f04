import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Deployer } from '../deploy/deployer.js'
import { snapshotTargetFor } from '../deploy/open-target.js'
import type { SqliteBinding } from '../store/database.js'
import type { WorkerFiles } from '../worker-files.js'

declare module 'fastify' {
  interface FastifyInstance {
    deployer: Deployer
  }
}

async function deployerPlugin (app: FastifyInstance, options: { dataDir: string, sqlite?: SqliteBinding, workers?: WorkerFiles, retryMs: number }): Promise<void> {
  const deployer = new Deployer(app.store, snapshotTargetFor(app.store, options), {
    firstDelayMs: options.retryMs,
    onRepaired: report => {
      if (report.written > 0 || report.removed > 0) app.log.info(report, 'environments repaired after a failed deploy')
      for (const { environment, reason } of report.failed) app.log.warn({ environment, reason }, 'environment still cannot be written; retrying')
    },
    onFailed: err => app.log.warn({ err }, 'repair after a failed deploy could not run; retrying')
  })
  app.decorate('deployer', deployer)
  app.addHook('onClose', async () => deployer.close())
  // A crash between a commit and its deploy leaves a key without snapshots: finish the job before serving.
  app.addHook('onReady', async () => {
    const report = await deployer.reconcile()
    if (report.written > 0 || report.removed > 0) app.log.info(report, 'environments reconciled with the database')
    for (const { environment, reason } of report.failed) app.log.error({ environment, reason }, 'environment could not be reconciled; its snapshots may be stale')
  })
}

export default fp(deployerPlugin, { name: 'deployer', dependencies: ['store'] })
