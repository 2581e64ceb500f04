import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Store, type StoreOptions } from '../store/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    store: Store
  }
}

async function storePlugin (app: FastifyInstance, options: { dataDir: string } & StoreOptions): Promise<void> {
  const store = Store.open(options.dataDir, options)
  app.decorate('store', store)
  app.addHook('onClose', async () => store.close())
}

export default fp(storePlugin, { name: 'store' })
