import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { BadRequestError } from '../errors.js'

/**
 * Whether every string in a parsed body, member names included, is
 * well-formed Unicode. A lone surrogate (`"\ud800"` in the JSON) would be
 * stored fine and then break every URL and header it has to appear in.
 * Iterative: a body may nest thousands deep.
 */
export function allStringsWellFormed (value: unknown): boolean {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next === 'string') {
      if (!next.isWellFormed()) return false
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, member] of Object.entries(next)) {
        if (!key.isWellFormed()) return false
        pending.push(member)
      }
    }
  }
  return true
}

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
    let parsed: unknown
    try {
      parsed = secureJson.parse(body as string, undefined, { protoAction: 'error', constructorAction: 'error' })
    } catch (err) {
      done(new BadRequestError((err as Error).message.includes('forbidden prototype property')
        ? 'Request body must not contain "__proto__" or "constructor.prototype" keys'
        : 'Request body is not valid JSON'), undefined)
      return
    }
    if (!allStringsWellFormed(parsed)) {
      done(new BadRequestError('Request body holds a string that is not well-formed Unicode (a lone surrogate such as \\ud800)'), undefined)
      return
    }
    done(null, parsed)
  })
}

export default fp(jsonBody, { name: 'json-body' })
