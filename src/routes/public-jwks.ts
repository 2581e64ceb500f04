import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

/** Never cached past the set's next scheduled change: a verifier sees a version published ahead in time. */
export const maxAgeSeconds = (changesAt: number, now: number, longest: number): number =>
  Math.max(0, Math.min(longest, Math.floor((changesAt - now) / 1000)))

/** The public JWK Set per environment and project: no token, no private member, no secret key. */
const publicJwksRoutes: FastifyPluginAsyncTypebox<{ maxAge: number }> = async (app, options) => {
  app.get('/environments/:environment/projects/:projectName/jwks.json', {
    schema: {
      tags: ['Public'],
      summary: 'Public JWK Set',
      security: [],
      description: 'The public parts of the asymmetric keys deployed in the environment and not expired: each key\'s current version, a version published ahead of its rotation, retired versions until their verifyUntil. max-age never reaches past the set\'s next scheduled change. ETag / If-None-Match supported.',
      params: Type.Object({ environment: Type.String({ maxLength: 1024 }), projectName: Type.String({ maxLength: 1024 }) })
    }
  }, async (request, reply) => {
    const { body, etag, changesAt } = await app.publicJwks.get(request.params.environment, request.params.projectName)
    reply.header('etag', etag).header('cache-control', `public, max-age=${maxAgeSeconds(changesAt, app.store.clock().getTime(), options.maxAge)}, must-revalidate`).header('content-type', 'application/jwk-set+json')
    const presented = request.headers['if-none-match']
    if (presented !== undefined && presented.split(',').map(tag => tag.trim().replace(/^W\//, '')).some(tag => tag === etag || tag === '*')) {
      return reply.code(304).send()
    }
    return reply.send(body)
  })
}

export default publicJwksRoutes
