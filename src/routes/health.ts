import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ServiceUnavailableError } from '../errors.js'

/** Unauthenticated probes: liveness says the process answers, readiness that it can do its job. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', async () => ({ status: 'ok' }))

  app.get('/ready', async () => {
    const checks = {
      database: app.store.db.open && app.store.db.prepare('SELECT 1').pluck().get() === 1,
      pool: app.keygen.size > 0
    }
    if (!checks.database || !checks.pool) throw new ServiceUnavailableError(`not ready: ${JSON.stringify(checks)}`, 5)
    return { status: 'ready', checks }
  })
}

export default healthRoutes
