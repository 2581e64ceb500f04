import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { AuditTrail } from '../services/audit-trail.js'
import { CertificateService } from '../services/certificate-service.js'
import { Environments } from '../services/environments.js'
import { UrlFetcher } from '../services/fetch-url.js'
import { JwkService } from '../services/jwk-service.js'
import { KeyService } from '../services/key-service.js'
import { KeystoreService } from '../services/keystore-service.js'
import { PublicJwks } from '../services/public-jwks.js'
import { RotationService } from '../services/rotation-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    jwks: JwkService
    rotation: RotationService
    publicJwks: PublicJwks
    auditTrail: AuditTrail
    certificates: CertificateService
    keys: KeyService
    keystores: KeystoreService
    environments: Environments
  }
}

/** URL imports at once: each holds a socket and up to its size limit in memory. */
export const MAX_URL_IMPORTS_IN_FLIGHT = 4

async function servicesPlugin (app: FastifyInstance, options: { config: Config }): Promise<void> {
  const fetcher = new UrlFetcher({ allowPrivate: options.config.importAllowPrivate, maxInFlight: MAX_URL_IMPORTS_IN_FLIGHT })
  const keys = new KeyService({ store: app.store, sealer: app.vault, keygen: app.keygen })
  const keystores = new KeystoreService({ store: app.store, sealer: app.vault, keygen: app.keygen })
  app.decorate('keys', keys)
  app.decorate('keystores', keystores)
  app.decorate('jwks', new JwkService({ store: app.store, sealer: app.vault, keygen: app.keygen, deployer: app.deployer, fetcher, clock: app.store.clock, keys, keystores }))
  app.decorate('rotation', new RotationService({ store: app.store, sealer: app.vault, keygen: app.keygen, deployer: app.deployer, clock: app.store.clock }))
  app.decorate('publicJwks', new PublicJwks(app.deployer, app.store, app.store.clock))
  app.decorate('auditTrail', new AuditTrail(app.store))
  app.decorate('certificates', new CertificateService(app.store))
  app.decorate('environments', new Environments(app.store))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['store', 'vault', 'keygen', 'deployer'] })
