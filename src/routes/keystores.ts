import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { DeploymentResponse, ErrorBody, ProjectParams, SourceUpdateQuery } from '../schemas/common.js'
import { CreateKeystoreBody, KeystoreParams, KeystoreQuery, UpdateKeystoreBody } from '../schemas/keystores.js'
import type { Actor } from '../services/jwk-service.js'
import { clientSignal } from './client-signal.js'

const errors = { 200: DeploymentResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody }
const actor = (request: FastifyRequest): Actor => ({ tokenName: callerOf(request).name, requestId: request.id })

/** /apiops/projects/{p}/keystores: Apinizer's keystore pages, JSON in and out. */
const keystoreRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/projects/:projectName/keystores', {
    schema: { tags: ['Keystores'], summary: 'List keystores', description: 'Every keystore of the project with its aliases per environment; the files only through get.', params: ProjectParams },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const resultList = await app.keystores.list(projectOf(request))
    return { success: true, resultList, resultCount: resultList.length }
  })

  app.get('/projects/:projectName/keystores/:keystoreName', {
    schema: { tags: ['Keystores'], summary: 'Get keystore', description: 'The keystore with its file as sent (base64) per environment, unless withFile=false.', params: KeystoreParams, querystring: KeystoreQuery },
    config: { roles: READ_ROLES }
  }, async (request) => ({ success: true, resultList: [await app.keystores.get(projectOf(request), request.params.keystoreName, request.query)] }))

  app.post('/projects/:projectName/keystores', {
    schema: { tags: ['Keystores'], summary: 'Create keystore', description: 'Opens each environment\'s PKCS#12 or JKS file with the passwords given (never stored), then stores it sealed, one copy per environment.', params: ProjectParams, body: CreateKeystoreBody, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'keystore.create' }
  }, async (request, reply) => ({ success: true, deploymentResult: await app.keystores.create(projectOf(request), request.body, actor(request), clientSignal(reply)) }))

  app.put('/projects/:projectName/keystores/:keystoreName', {
    schema: { tags: ['Keystores'], summary: 'Update keystore', description: 'The complete keystore again: every environment\'s file replaced; a name in the body renames it.', params: KeystoreParams, querystring: SourceUpdateQuery, body: UpdateKeystoreBody, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'keystore.update' }
  }, async (request, reply) => ({
    success: true,
    deploymentResult: await app.keystores.update(projectOf(request), request.params.keystoreName, request.body, actor(request), { ...request.query, signal: clientSignal(reply) })
  }))

  app.delete('/projects/:projectName/keystores/:keystoreName', {
    schema: { tags: ['Keystores'], summary: 'Delete keystore', description: 'Removes it from every environment; JWKs made from it keep their key.', params: KeystoreParams, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'keystore.delete' }
  }, async (request) => ({ success: true, deploymentResult: await app.keystores.delete(projectOf(request), request.params.keystoreName, actor(request)) }))
}

export default keystoreRoutes
