import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

/** Verifiers poll this; a minute keeps them close to rotations without hammering jwkd. */
const CACHE_CONTROL = 'public, max-age=60, must-revalidate'

/** The public JWK Set per environment and project: no token, no private member, no secret key. */
const publicJwksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/environments/:environment/projects/:projectName/jwks.json', {
    schema: {
      tags: ['Public'],
      summary: 'Public JWK Set',
      security: [],
      description: 'The public parts of the asymmetric keys deployed in the environment and not expired. ETag / If-None-Match supported.',
      params: Type.Object({ environment: Type.String({ maxLength: 1024 }), projectName: Type.String({ maxLength: 1024 }) })
    }
  }, async (request, reply) => {
    const { body, etag } = await app.publicJwks.get(request.params.environment, request.params.projectName)
    reply.header('etag', etag).header('cache-control', CACHE_CONTROL).header('content-type', 'application/jwk-set+json')
    const presented = request.headers['if-none-match']
    if (presented !== undefined && presented.split(',').map(tag => tag.trim().replace(/^W\//, '')).some(tag => tag === etag || tag === '*')) {
      return reply.code(304).send()
    }
    return reply.send(body)
  })
}

export default publicJwksRoutes
