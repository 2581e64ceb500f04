import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RotationScheduler } from '../services/rotation-scheduler.js'

declare module 'fastify' {
  interface FastifyInstance {
    scheduler: RotationScheduler
  }
}

/** The rotation scheduler: starts once the app is ready (reconciled), stops before the store closes. */
async function schedulerPlugin (app: FastifyInstance, options: { intervalMs: number }): Promise<void> {
  const scheduler = new RotationScheduler(app.store, app.rotation, app.log)
  app.decorate('scheduler', scheduler)
  app.addHook('onReady', async () => { if (options.intervalMs > 0) scheduler.start(options.intervalMs) })
  app.addHook('preClose', async () => { await scheduler.stop() })
}

export default fp(schedulerPlugin, { name: 'scheduler', dependencies: ['services'] })
