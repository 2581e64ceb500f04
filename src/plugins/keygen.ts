import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { KeygenPool, type KeygenPoolOptions } from '../pool/keygen-pool.js'

declare module 'fastify' {
  interface FastifyInstance {
    keygen: KeygenPool
  }
}

async function keygenPlugin (app: FastifyInstance, options: KeygenPoolOptions): Promise<void> {
  const pool = new KeygenPool(options)
  app.decorate('keygen', pool)
  // Queued work is cancelled; the server has already stopped taking requests.
  app.addHook('onClose', async () => pool.close())
}

export default fp(keygenPlugin, { name: 'keygen' })
