import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * One line per request at info, written when it is answered: method, URL,
 * status, time taken and request id. Fastify's default adds an "incoming
 * request" line too, which says nothing the answer's line does not and, at
 * thousands of key generations a second, doubles the log volume and the
 * event loop's logging work. The incoming line is still there at debug, for
 * following a request that has not ended.
 */
async function requestLog (app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (request, _reply, done) => {
    // A no-op above debug: pino swaps disabled levels for empty functions.
    request.log.debug({ req: request }, 'incoming request')
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    done()
  })
}

export default fp(requestLog, { name: 'request-log' })
