import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { Defaulted, DeploymentResponse, ErrorBody, ProjectParams, SourceUpdateQuery } from '../schemas/common.js'
import { CreateKeyBody, KeyParams, KeyQuery, UpdateKeyBody } from '../schemas/keys.js'
import type { Actor } from '../services/jwk-service.js'
import { clientSignal } from './client-signal.js'
import { attachment } from './download.js'

const errors = { 200: DeploymentResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody }
const ExportQuery = Type.Object({
  environmentName: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only this environment\'s key, as PEM; without it, every environment\'s in one ZIP' })),
  publicOnly: Defaulted(Type.Boolean({ default: false, description: 'SPKI even where the copy has a private key' }))
})
const actor = (request: FastifyRequest): Actor => ({ tokenName: callerOf(request).name, requestId: request.id })

/** /apiops/projects/{p}/keys: Apinizer's key pages (CryptoKeyInfo), JSON in and out. */
const keyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/projects/:projectName/keys', {
    schema: { tags: ['Keys'], summary: 'List keys', description: 'Every key of the project with its public key per environment; private keys only through get.', params: ProjectParams },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const resultList = await app.keys.list(projectOf(request))
    return { success: true, resultList, resultCount: resultList.length }
  })

  app.get('/projects/:projectName/keys/:keyName', {
    schema: { tags: ['Keys'], summary: 'Get key', description: 'The key with its private key (PKCS#8, base64 DER) per environment, unless publicOnly.', params: KeyParams, querystring: KeyQuery },
    config: { roles: READ_ROLES }
  }, async (request) => ({ success: true, resultList: [await app.keys.get(projectOf(request), request.params.keyName, { publicOnly: request.query.publicOnly })] }))

  app.get('/projects/:projectName/keys/:keyName/export-file', {
    schema: { tags: ['Keys'], summary: 'Export key file', description: 'One environment\'s key as PEM (PKCS#8 with its private part, SPKI without), or every environment\'s in a ZIP of <key>-<environment>.pem.', params: KeyParams, querystring: ExportQuery },
    config: { roles: READ_ROLES }
  }, async (request, reply) => {
    const { keyName } = request.params
    const file = await app.keys.exportFile(projectOf(request), keyName, request.query)
    if ('pem' in file) {
      attachment(reply, `${keyName}-${request.query.environmentName!}`, 'pem', 'application/x-pem-file')
      return file.pem
    }
    attachment(reply, `${keyName}-keys`, 'zip', 'application/octet-stream')
    return file.zip
  })

  app.post('/projects/:projectName/keys', {
    schema: { tags: ['Keys'], summary: 'Create key', description: 'Stores one copy per listed environment: the public key in clear, the private key sealed.', params: ProjectParams, body: CreateKeyBody, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'key.create' }
  }, async (request, reply) => ({ success: true, deploymentResult: await app.keys.create(projectOf(request), request.body, actor(request), clientSignal(reply)) }))

  app.put('/projects/:projectName/keys/:keyName', {
    schema: { tags: ['Keys'], summary: 'Update key', description: 'The complete key again: every environment\'s key replaced; a name in the body renames it.', params: KeyParams, querystring: SourceUpdateQuery, body: UpdateKeyBody, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'key.update' }
  }, async (request, reply) => ({
    success: true,
    deploymentResult: await app.keys.update(projectOf(request), request.params.keyName, request.body, actor(request), { ...request.query, signal: clientSignal(reply) })
  }))

  app.delete('/projects/:projectName/keys/:keyName', {
    schema: { tags: ['Keys'], summary: 'Delete key', description: 'Removes it from every environment; JWKs made from it keep their key.', params: KeyParams, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'key.delete' }
  }, async (request) => ({ success: true, deploymentResult: await app.keys.delete(projectOf(request), request.params.keyName, actor(request)) }))
}

export default keyRoutes
