import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fp from 'fastify-plugin'

/** OpenAPI 3 generated from the routes' TypeBox schemas; Swagger UI at /documentation. */
/** `staticDir`: Swagger UI's files, when not in its package directory (the single executable extracts them). */
async function documentation (app: FastifyInstance, options: { version: string, staticDir?: string }): Promise<void> {
  const { staticDir } = options
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'jwkd',
        version: options.version,
        description: 'Self-hosted JSON Web Key service implementing the Apinizer Management API for JWKs. ' +
          'Every error is `{"error": …, "error_description": …}`.'
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a jwkd token (jwkd token create)' } }
      },
      security: [{ bearer: [] }]
    }
  })
  await app.register(swaggerUi, staticDir === undefined
    ? { routePrefix: '/documentation' }
    : { routePrefix: '/documentation', baseDir: staticDir, logo: { type: 'image/svg+xml', content: readFileSync(join(staticDir, 'logo.svg')) } })
}

export default fp(documentation, { name: 'documentation' })
