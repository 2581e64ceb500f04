import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { Vault } from '../services/vault.js'

declare module 'fastify' {
  interface FastifyInstance {
    vault: Vault
  }
}

async function vaultPlugin (app: FastifyInstance, options: { config: Config }): Promise<void> {
  const vault = await Vault.open(app.store, options.config)
  if (vault.masterKey.source === 'data-dir-created' || vault.masterKey.source === 'data-dir') {
    app.log.warn({ path: vault.masterKey.path }, 'the master key is stored in the data directory: key and data share a disk; set JWKD_MASTER_KEY or JWKD_MASTER_KEY_FILE to keep them apart')
  }
  if (vault.masterKey.readableByOthers === true) {
    app.log.warn({ path: vault.masterKey.path }, 'the master key file can be read by its group or others; chmod 600 it')
  }
  app.decorate('vault', vault)
}

export default fp(vaultPlugin, { name: 'vault', dependencies: ['store'] })
