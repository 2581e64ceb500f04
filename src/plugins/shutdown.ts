import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { ServiceUnavailableError } from '../errors.js'

/**
 * While closing, requests that still arrive on open connections get a 503 in
 * the Apinizer shape (Fastify's built-in one has its own body), and
 * in-flight requests finish before the pool and the database close.
 */
async function shutdown (app: FastifyInstance): Promise<void> {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', async () => {
    if (closing) throw new ServiceUnavailableError('jwkd is shutting down; retry shortly', 5)
  })
  // Keep-alive clients would hold the server open until their idle timeout.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
}

export default fp(shutdown, { name: 'shutdown' })
