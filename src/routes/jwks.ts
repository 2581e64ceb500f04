import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { DeploymentResponse, ErrorBody, JwkParams, ProjectParams } from '../schemas/common.js'
import { GenerateJwkBody } from '../schemas/generate.js'
import type { Actor } from '../services/jwk-service.js'
import { clientSignal } from './client-signal.js'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody }

export const jwkLocation = (projectName: string, jwkName: string): string =>
  `/apiops/projects/${encodeURIComponent(projectName)}/jwks/${encodeURIComponent(jwkName)}/`

/** The /apiops/projects/{p}/jwks family: schema, one service call, the answer. */
const jwkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const actor = (request: { token: { name: string }, id: string }): Actor => ({ tokenName: request.token.name, requestId: request.id })

  app.post('/projects/:projectName/jwks/generate', {
    schema: {
      summary: 'Generate JWK',
      description: 'Generates a key in the worker pool, stores it with its private members sealed, and deploys it to every environment before answering.',
      params: ProjectParams,
      body: GenerateJwkBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES }
  }, async (request, reply) => {
    const { record, deploymentResult } = await app.jwks.generate(request.project, request.body, actor(request), clientSignal(reply))
    reply.header('location', jwkLocation(request.project.name, record.name))
    return { success: true, deploymentResult }
  })

  app.get('/projects/:projectName/jwks', {
    schema: { summary: 'List JWKs', params: ProjectParams },
    config: { roles: READ_ROLES }
  }, async (request) => {
    return { success: true, resultList: app.jwks.list(request.project) }
  })

  app.get('/projects/:projectName/jwks/:name', {
    schema: {
      summary: 'Get JWK',
      params: JwkParams,
      querystring: Type.Object({ publicOnly: Type.Optional(Type.Boolean({ default: false })) })
    },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const publicOnly = request.query.publicOnly === true
    return { success: true, resultList: [app.jwks.get(request.project, request.params.name, { publicOnly })] }
  })
}

export default jwkRoutes
