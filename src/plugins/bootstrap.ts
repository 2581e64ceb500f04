import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { bootstrap } from '../services/bootstrap.js'

async function bootstrapPlugin (app: FastifyInstance, options: { dataDir: string }): Promise<void> {
  const tokenPath = await bootstrap(app.store, options.dataDir)
  // The path, never the token: logs are read by more people than the token's owner.
  if (tokenPath !== undefined) app.log.info({ path: tokenPath }, 'first start: created environment "production" and an admin token')
}

export default fp(bootstrapPlugin, { name: 'bootstrap', dependencies: ['store'] })
