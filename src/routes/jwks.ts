import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { Defaulted, DeploymentResponse, ErrorBody, JwkParams, ProjectParams, type DeploymentResult } from '../schemas/common.js'
import { GenerateJwkBody } from '../schemas/generate.js'
import { CreateJwkBody, ParseFromCertificateBody, ParseFromKeystoreBody, ParseFromClipboardBody, ParseFromKeyBody, ParseFromUrlBody, UpdateJwkBody } from '../schemas/manage.js'
import type { Actor, DeployedJwk } from '../services/jwk-service.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { clientSignal } from './client-signal.js'
import { attachment } from './download.js'

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody }
const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'at most this many keys (a page); without it, all of them' })),
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'only keys named after this one: the `next` of the previous page' }))
})
const publicOnly = Defaulted(Type.Boolean({ default: false, description: 'strip private members' }))
const PublicOnlyQuery = Type.Object({ publicOnly })
const ExportQuery = Type.Object({
  publicOnly,
  format: Defaulted(Type.Union([Type.Literal('jwk'), Type.Literal('pem')], {
    default: 'jwk',
    description: '`jwk`: a one-key JWK Set (.json); `pem`: PKCS#8 with the private part, SPKI without (.pem; not for OCT keys)'
  }))
})

export const jwkLocation = (projectName: string, jwkName: string): string =>
  `/apiops/projects/${encodeURIComponent(projectName)}/jwks/${encodeURIComponent(jwkName)}/`

const actor = (request: FastifyRequest): Actor => ({ tokenName: callerOf(request).name, requestId: request.id })

/** The answer of every route that deploys a key: the deploy result, and where the key now lives. */
function deployed (reply: FastifyReply, projectName: string, { record, deploymentResult }: DeployedJwk): { success: true, deploymentResult: DeploymentResult } {
  reply.header('location', jwkLocation(projectName, record.name))
  return { success: true, deploymentResult }
}

const CREATE_SHORTCUTS = [
  {
    path: 'parse-from-clipboard',
    sourceType: 'COPY_PASTE',
    body: ParseFromClipboardBody,
    summary: 'Parse JWK from clipboard',
    description: 'Create with source type COPY_PASTE: a JWK, or the key of a JWK Set that kid names.'
  },
  {
    path: 'parse-from-url',
    sourceType: 'URL',
    body: ParseFromUrlBody,
    summary: 'Parse JWK from URL',
    description: 'Create with source type URL: the JWK or JWK Set an http(s) address serves (public addresses only, unless configured otherwise).'
  },
  {
    path: 'parse-from-certificate',
    sourceType: 'CERTIFICATE',
    body: ParseFromCertificateBody,
    summary: 'Parse JWK from certificate',
    description: 'Create with source type CERTIFICATE: the public key of the certificate\'s copy in the environment, with x5c and x5t#S256, deployed like any JWK.'
  },
  {
    path: 'parse-from-keystore',
    sourceType: 'KEYSTORE',
    body: ParseFromKeystoreBody,
    summary: 'Parse JWK from keystore',
    description: 'Create with source type KEYSTORE: the key of the alias in the keystore\'s copy in the environment (with its private members when the alias holds a private key), its chain as x5c.'
  }
] as const

/** The /apiops/projects/{p}/jwks family: schema, one service call, the answer. */
const jwkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/projects/:projectName/jwks/generate', {
    schema: {
      tags: ['JWKs'],
      summary: 'Generate JWK',
      description: 'Generates a key in the worker pool, stores it with its private members sealed, and deploys it to every environment before answering.',
      params: ProjectParams,
      body: GenerateJwkBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.generate' }
  }, async (request, reply) =>
    deployed(reply, projectOf(request).name, await app.jwks.generate(projectOf(request), request.body, actor(request), clientSignal(reply))))

  app.post('/projects/:projectName/jwks', {
    schema: {
      tags: ['JWKs'],
      summary: 'Create JWK',
      description: 'Imports a key from a pasted JWK or JWK Set (COPY_PASTE) or from an http(s) URL (URL), vetted by really importing it, then stores and deploys it like a generated key.',
      params: ProjectParams,
      body: CreateJwkBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.create' }
  }, async (request, reply) =>
    deployed(reply, projectOf(request).name, await app.jwks.create(projectOf(request), request.body, actor(request), clientSignal(reply))))

  // Apinizer's shortcuts: create with the source type fixed and its members required.
  for (const shortcut of CREATE_SHORTCUTS) {
    app.post(`/projects/:projectName/jwks/${shortcut.path}`, {
      schema: { tags: ['JWKs'], summary: shortcut.summary, description: shortcut.description, params: ProjectParams, body: shortcut.body, response: { 200: DeploymentResponse, ...errors } },
      config: { roles: DEPLOY_ROLES, audit: 'jwk.create' }
    }, async (request, reply) => {
      const body = { ...(request.body as Omit<CreateJwkBody, 'sourceType'>), sourceType: shortcut.sourceType }
      return deployed(reply, projectOf(request).name, await app.jwks.create(projectOf(request), body, actor(request), clientSignal(reply)))
    })
  }

  app.post('/projects/:projectName/jwks/parse-from-key', {
    schema: {
      tags: ['JWKs'],
      summary: 'Parse JWK from key',
      description: 'Create from a stored key\'s copy in the environment: source type PRIVATE_KEY when it has a private part (the JWK has its private members), PUBLIC_KEY when not.',
      params: ProjectParams,
      body: ParseFromKeyBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.create' }
  }, async (request, reply) =>
    deployed(reply, projectOf(request).name, await app.jwks.parseFromKey(projectOf(request), request.body, actor(request), clientSignal(reply))))

  app.get('/projects/:projectName/jwks', {
    schema: {
      tags: ['JWKs'],
      summary: 'List JWKs',
      description: 'Metadata of the keys in the project by name, never key material: all of them, or a page with `limit` (then `next`, when present, is the `after` of the next page).',
      params: ProjectParams,
      querystring: ListQuery
    },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const { items, next } = await app.jwks.list(projectOf(request), request.query)
    // No response schema here: JSON leaves `next` out when it is undefined.
    return { success: true, resultList: items, next }
  })

  app.get('/projects/:projectName/jwks/:name', {
    schema: { tags: ['JWKs'], summary: 'Get JWK', params: JwkParams, querystring: PublicOnlyQuery },
    config: { roles: READ_ROLES }
  }, async (request) => ({
    success: true,
    resultList: [await app.jwks.get(projectOf(request), request.params.name, { publicOnly: request.query.publicOnly })]
  }))

  app.put('/projects/:projectName/jwks/:name', {
    schema: {
      tags: ['JWKs'],
      summary: 'Update JWK',
      description: 'Renames and/or redescribes a key; its material and kid stay. Redeploys to every environment.',
      params: JwkParams,
      body: UpdateJwkBody,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.update' }
  }, async (request, reply) =>
    deployed(reply, projectOf(request).name, await app.jwks.update(projectOf(request), request.params.name, request.body, actor(request))))

  app.delete('/projects/:projectName/jwks/:name', {
    schema: {
      tags: ['JWKs'],
      summary: 'Delete JWK',
      description: 'Removes the key and undeploys it from every environment.',
      params: JwkParams,
      response: { 200: DeploymentResponse, ...errors }
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.delete' }
  }, async (request) => {
    const { deploymentResult } = await app.jwks.delete(projectOf(request), request.params.name, actor(request))
    return { success: true, deploymentResult }
  })

  app.get('/projects/:projectName/jwks/:name/export-file', {
    schema: { tags: ['JWKs'], summary: 'Export JWK', description: 'The key as a file download: a one-key JWK Set, or PEM.', params: JwkParams, querystring: ExportQuery },
    config: { roles: READ_ROLES }
  }, async (request, reply) => {
    const { name } = request.params
    const options = { publicOnly: request.query.publicOnly }
    const pem = request.query.format === 'pem'
    const file = pem ? (await app.jwks.exportPem(projectOf(request), name, options)).pem : await app.jwks.exportSet(projectOf(request), name, options)
    attachment(reply, name, pem ? 'pem' : 'json', pem ? 'application/x-pem-file' : 'application/json; charset=utf-8')
    return file
  })
}

export default jwkRoutes
