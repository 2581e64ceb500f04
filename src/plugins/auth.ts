import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Role } from '../auth/roles.js'
import { RateLimiter } from '../auth/rate-limiter.js'
import { authenticate, canAccessProject } from '../auth/tokens.js'
import { ForbiddenError, TooManyRequestsError, UnauthorizedError, projectNotFound } from '../errors.js'
import type { NamedResource } from '../store/named-resources.js'
import type { TokenRecord } from '../store/tokens.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** roles the token must hold, all of them */
    roles?: readonly Role[]
  }
  interface FastifyRequest {
    /** the caller, once authenticated; null before (and on routes without auth) */
    token: TokenRecord | null
    /** the `:projectName` of the path, resolved and within the token's scope; null before, or without one */
    project: NamedResource | null
  }
}

/** The authenticated caller of a route behind this plugin. */
export function callerOf (request: FastifyRequest): TokenRecord {
  if (request.token === null) throw new Error(`route ${request.routeOptions.url ?? request.url} is not behind authentication`)
  return request.token
}

/** The project of a route with `:projectName` behind this plugin. */
export function projectOf (request: FastifyRequest): NamedResource {
  if (request.project === null) throw new Error(`route ${request.routeOptions.url ?? request.url} has no authorized project`)
  return request.project
}

/**
 * Bearer auth for the scope it is registered in, in the order docs/API.md, "Authentication and authorization" gives:
 * 401 for any bad token, 403 for a missing role, then 404 for a project that
 * does not exist or is outside the token's scope (one answer for both).
 * Runs before the body is read, so nobody unauthenticated gets it parsed.
 */
async function authPlugin (app: FastifyInstance, options: { rateLimit: number }): Promise<void> {
  app.decorateRequest('token', null)
  app.decorateRequest('project', null)
  const limiter = options.rateLimit > 0 ? new RateLimiter(options.rateLimit) : undefined

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const token = await authenticate(app.store, request.headers.authorization, app.store.clock())
    if (token === undefined) throw new UnauthorizedError()
    request.token = token
    const wait = limiter?.take(token.id) ?? 0
    if (wait > 0) throw new TooManyRequestsError(options.rateLimit, wait)
    const required = request.routeOptions.config.roles ?? []
    if (!required.every(role => token.roles.includes(role))) throw new ForbiddenError()
    const projectName = (request.params as { projectName?: string }).projectName
    if (projectName === undefined) return
    const project = canAccessProject(token, projectName) ? await app.store.projects.findByName(projectName) : undefined
    if (project === undefined) throw projectNotFound(projectName)
    request.project = project
  })
}

export default fp(authPlugin, { name: 'auth', dependencies: ['store'] })
