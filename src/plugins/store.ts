import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { SqliteStore, type StoreOptions } from '../store/sqlite-store.js'
import type { Store } from '../store/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

async function storePlugin (app: FastifyInstance, options: { dataDir: string } & StoreOptions): Promise<void> {
  const store = SqliteStore.open(options.dataDir, options)
  app.decorate('store', store)
  app.addHook('onClose', async () => await store.close())
}

export default fp(storePlugin, { name: 'store' })
