import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { DeploymentResponse, ErrorBody, JwkParams } from '../schemas/common.js'
import { RotateBody, VersionParams } from '../schemas/rotation.js'
import type { VersionAction } from '../services/key-versions.js'
import { clientSignal } from './client-signal.js'
import { jwkLocation } from './jwks.js'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody }

const STATE_CHANGES: Array<{ action: VersionAction, summary: string, description: string }> = [
  { action: 'disable', summary: 'Disable a JWK version', description: 'A RETIRED version leaves the public JWK Set but is kept; enable puts it back.' },
  { action: 'enable', summary: 'Enable a JWK version', description: 'A DISABLED version is RETIRED again: published until its verifyUntil.' },
  { action: 'destroy', summary: 'Destroy a JWK version', description: 'A RETIRED or DISABLED version\'s material is erased for good; its kid and thumbprint stay as a tombstone, never given again.' }
]

/** A key's versions: list, rotate now, state changes (docs/API.md, "Versions and rotation"). */
const jwkVersionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/projects/:projectName/jwks/:name/versions', {
    schema: { tags: ['JWK versions'], summary: 'List JWK versions', description: 'Every version of the key, oldest first, with its state and times; public members only.', params: JwkParams },
    config: { roles: READ_ROLES }
  }, async (request) => ({ success: true, resultList: await app.rotation.versions(projectOf(request), request.params.name) }))

  app.post('/projects/:projectName/jwks/:name/rotate', {
    schema: {
      tags: ['JWK versions'],
      summary: 'Rotate JWK',
      description: 'Makes a new current version with the key\'s generation parameters (or makes current the one published ahead) and deploys it before answering; the previous one is RETIRED, published until now + verificationTtl.',
      params: JwkParams,
      body: RotateBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.rotate' },
    // Every member is optional, so a bare POST (no body at all) is the empty one.
    preValidation: async (request) => { request.body ??= {} }
  }, async (request, reply) => {
    const project = projectOf(request)
    const { deploymentResult } = await app.rotation.rotate(project, request.params.name, request.body, { tokenName: callerOf(request).name, requestId: request.id }, clientSignal(reply))
    reply.header('location', jwkLocation(project.name, request.params.name))
    return { success: true, deploymentResult }
  })

  for (const { action, summary, description } of STATE_CHANGES) {
    app.post(`/projects/:projectName/jwks/:name/versions/:kid/${action}`, {
      schema: { tags: ['JWK versions'], summary, description, params: VersionParams, response: { 200: DeploymentResponse, ...errors } },
      config: { roles: DEPLOY_ROLES, audit: `jwk.version.${action}` }
    }, async (request) => {
      const { name, kid } = request.params
      const { deploymentResult } = await app.rotation.changeState(projectOf(request), name, kid, action, { tokenName: callerOf(request).name, requestId: request.id })
      return { success: true, deploymentResult }
    })
  }
}

export default jwkVersionRoutes
