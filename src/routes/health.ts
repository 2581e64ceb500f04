import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ServiceUnavailableError } from '../errors.js'

/** Unauthenticated probes: liveness says the process answers, readiness that it can do its job. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', { schema: { tags: ['Operations'], summary: 'Liveness', security: [] } }, async () => ({ status: 'ok' }))

  app.get('/ready', { schema: { tags: ['Operations'], summary: 'Readiness: the database is writable, the keygen pool has threads and its light lane is not stuck', security: [] } }, async () => {
    const checks = { database: await app.store.writable(), pool: app.keygen.ready() }
    if (!checks.database || !checks.pool) throw new ServiceUnavailableError(`not ready: ${JSON.stringify(checks)}`, 5)
    return { status: 'ready', checks }
  })
}

export default healthRoutes
