import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { JwkService } from '../services/jwk-service.js'
import { PublicJwks } from '../services/public-jwks.js'

declare module 'fastify' {
  interface FastifyInstance {
    jwks: JwkService
    publicJwks: PublicJwks
  }
}

async function servicesPlugin (app: FastifyInstance, options: { clock?: () => Date }): Promise<void> {
  app.decorate('jwks', new JwkService({ store: app.store, sealer: app.vault, keygen: app.keygen, deployer: app.deployer, clock: options.clock }))
  app.decorate('publicJwks', new PublicJwks(app.deployer, app.store))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['store', 'vault', 'keygen', 'deployer'] })
