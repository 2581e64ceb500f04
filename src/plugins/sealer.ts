import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openVault } from '../services/vault.js'
import type { Sealer } from '../crypto/sealer.js'

declare module 'fastify' {
  interface FastifyInstance {
    sealer: Sealer
  }
}

async function sealerPlugin (app: FastifyInstance, options: { config: Config }): Promise<void> {
  const { sealer, masterKey } = openVault(app.store, options.config)
  if (masterKey.source === 'data-dir-created' || masterKey.source === 'data-dir') {
    app.log.warn({ path: masterKey.path }, 'the master key is stored in the data directory: key and data share a disk; set JWKD_MASTER_KEY or JWKD_MASTER_KEY_FILE to keep them apart')
  }
  app.decorate('sealer', sealer)
}

export default fp(sealerPlugin, { name: 'sealer', dependencies: ['store'] })
