import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DEPLOY_ROLES } from '../auth/roles.js'
import { BadRequestError } from '../errors.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { DeploymentResponse, ErrorBody, ProjectParams } from '../schemas/common.js'
import { ImportJwkFileForm } from '../schemas/manage.js'
import { checkValue } from '../schemas/validator.js'
import { clientSignal } from './client-signal.js'
import { jwkLocation } from './jwks.js'
import { multipartLimits, readForm, type FormSpec } from './multipart-form.js'

type JwkFileField = 'jwkFile' | 'jwkName' | 'kid' | 'jwkDescription'

/** A pasted document may be 60 000 characters (jwkStr); a file gets the same room, in bytes, plus a little. */
export const MAX_JWK_FILE_BYTES = 64 * 1024
const FORM: FormSpec<JwkFileField> = {
  fields: ['jwkFile', 'jwkName', 'kid', 'jwkDescription'],
  fileLimit: MAX_JWK_FILE_BYTES,
  hint: 'Send the JWK file as multipart/form-data (jwkFile, jwkName, kid, jwkDescription)'
}
const errors = { 200: DeploymentResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody }

const required = (form: Partial<Record<JwkFileField, string>>, field: JwkFileField): string => {
  const value = form[field]
  if (value === undefined || value.trim() === '') throw new BadRequestError(`${field} value can not be empty!`)
  return value
}

/** POST /apiops/projects/{p}/jwks/import-file: a JWK or JWK Set file, read exactly as parse-from-clipboard reads its text. */
const jwkFileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(multipart, multipartLimits(FORM))

  app.post('/projects/:projectName/jwks/import-file', {
    schema: {
      tags: ['JWKs'],
      summary: 'Import JWK file',
      description: 'multipart/form-data: jwkFile (a JWK or JWK Set document), jwkName, kid (the key to take), jwkDescription. Created with source type COPY_PASTE and deployed like any JWK.',
      params: ProjectParams,
      response: errors
    },
    config: { roles: DEPLOY_ROLES, audit: 'jwk.create' }
  }, async (request, reply) => {
    const form = await readForm(request, FORM)
    // The documents' order: the name, then the kid, then the file.
    const name = required(form, 'jwkName')
    const kid = required(form, 'kid')
    const jwkStr = required(form, 'jwkFile')
    checkValue(ImportJwkFileForm, form)
    const project = projectOf(request)
    const body = { name, kid, jwkStr, description: form.jwkDescription, sourceType: 'COPY_PASTE' }
    const { record, deploymentResult } = await app.jwks.create(project, body, { tokenName: callerOf(request).name, requestId: request.id }, clientSignal(reply))
    reply.header('location', jwkLocation(project.name, record.name))
    return { success: true, deploymentResult }
  })
}

export default jwkFileRoutes
