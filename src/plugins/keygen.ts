import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { KeygenPool, type KeygenPoolOptions } from '../pool/keygen-pool.js'
import { keygenLabels } from './metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    keygen: KeygenPool
  }
}

async function keygenPlugin (app: FastifyInstance, options: Pick<KeygenPoolOptions, 'size' | 'maxQueue' | 'workers'>): Promise<void> {
  const pool = new KeygenPool({
    ...options,
    observer: {
      generated: (task, seconds) => app.metrics.keygenDuration.observe(keygenLabels(task.material), seconds),
      rejected: () => app.metrics.poolRejections.inc()
    }
  })
  app.decorate('keygen', pool)
  // Queued work is cancelled; the server has already stopped taking requests.
  app.addHook('onClose', async () => pool.close())
}

export default fp(keygenPlugin, { name: 'keygen', dependencies: ['metrics'] })
