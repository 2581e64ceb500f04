import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { BadRequestError } from '../errors.js'

/**
 * JSON is the only body jwkd takes. Its own parser so each failure says what
 * is wrong (Fastify's says "invalid JSON" for a prototype-poisoning key too),
 * and never quotes the body back: it may hold key material.
 */
async function jsonBody (app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') {
      done(new BadRequestError('Request body must be a JSON object; it was empty'), undefined)
      return
    }
    try {
      done(null, secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (err) {
      done(new BadRequestError((err as Error).message.includes('forbidden prototype property')
        ? 'Request body must not contain "__proto__" or "constructor.prototype" keys'
        : 'Request body is not valid JSON'), undefined)
    }
  })
}

export default fp(jsonBody, { name: 'json-body' })
