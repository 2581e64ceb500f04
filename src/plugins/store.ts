import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { openStore } from '../store/open-store.js'
import type { StoreOptions } from '../store/sqlite-store.js'
import type { Store } from '../store/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

async function storePlugin (app: FastifyInstance, options: { config: Pick<Config, 'dataDir' | 'database'> } & StoreOptions): Promise<void> {
  const store = await openStore(options.config, options)
  app.decorate('store', store)
  app.addHook('onClose', async () => await store.close())
}

export default fp(storePlugin, { name: 'store' })
