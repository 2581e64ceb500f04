import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { BadRequestError } from '../errors.js'

/**
 * Why a string cannot be stored: a lone surrogate (`"\ud800"` in the JSON)
 * would be stored fine and then break every URL and header it has to appear
 * in; PostgreSQL's text holds no NUL at all.
 */
export function unstorable (text: string): string | undefined {
  if (!text.isWellFormed()) return 'a string that is not well-formed Unicode (a lone surrogate such as \\ud800)'
  if (text.includes('\u0000')) return 'a NUL character (\\u0000)'
  return undefined
}

/**
 * The first reason a string in a parsed body, member names included, cannot
 * be stored. Iterative: a body may nest thousands deep.
 */
export function unstorableString (value: unknown): string | undefined {
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const next = pending.pop()
    if (typeof next === 'string') {
      const reason = unstorable(next)
      if (reason !== undefined) return reason
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, member] of Object.entries(next)) {
        const reason = unstorable(key)
        if (reason !== undefined) return reason
        pending.push(member)
      }
    }
  }
  return undefined
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
    const reason = unstorableString(parsed)
    if (reason !== undefined) {
      done(new BadRequestError(`Request body holds ${reason}`), undefined)
      return
    }
    done(null, parsed)
  })
  // Path segments and query values decode to text the same way (`%00` is a NUL); checked before auth looks a project up.
  app.addHook('onRequest', async request => {
    for (const part of [request.params, request.query]) {
      const reason = unstorableString(part)
      if (reason !== undefined) throw new BadRequestError(`Request URL holds ${reason}`)
    }
  })
}

export default fp(jsonBody, { name: 'json-body' })
