import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { JwkService } from '../services/jwk-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    jwks: JwkService
  }
}

async function servicesPlugin (app: FastifyInstance, options: { clock?: () => Date }): Promise<void> {
  app.decorate('jwks', new JwkService({ store: app.store, sealer: app.sealer, keygen: app.keygen, deployer: app.deployer, clock: options.clock }))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['store', 'sealer', 'keygen', 'deployer'] })
