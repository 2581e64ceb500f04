import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { DEPLOY_ROLES, READ_ROLES } from '../auth/roles.js'
import { callerOf, projectOf } from '../plugins/auth.js'
import { DeploymentResponse, ErrorBody, ProjectParams, SourceUpdateQuery } from '../schemas/common.js'
import { TRUSTSTORE_PATH, type CertificateForm } from '../services/certificate-service.js'
import { attachment } from './download.js'
import { multipartLimits, readForm, type FormSpec } from './multipart-form.js'

/** A certificate file, however many extensions it carries, is far below this. */
export const MAX_CERTIFICATE_FILE_BYTES = 64 * 1024
const FORM: FormSpec<keyof CertificateForm> = {
  fields: ['certificateName', 'alias', 'certificateDescription', 'environmentList', 'pemEncodedFile'],
  fileLimit: MAX_CERTIFICATE_FILE_BYTES,
  hint: 'Send the certificate as multipart/form-data (fields and a pemEncodedFile part)'
}
const CertificateParams = Type.Object({ projectName: Type.String(), certificateName: Type.String({ maxLength: 255 * 9 }) })
const TruststoreParams = Type.Object({ projectName: Type.String(), environmentName: Type.String({ maxLength: 255 * 9 }) })
const errors = { 200: DeploymentResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody }

/** /apiops/projects/{p}/certificates: Apinizer's certificate pages, multipart in, JSON out. */
const certificateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // Only the form routes (certificates, JWK file import) take multipart; every other route takes JSON alone.
  await app.register(multipart, multipartLimits(FORM))
  const actor = (request: FastifyRequest): { tokenName: string, requestId: string } => ({ tokenName: callerOf(request).name, requestId: request.id })

  app.get('/projects/:projectName/certificates', {
    schema: { tags: ['Certificates'], summary: 'List certificates', description: 'Every certificate of the project, per environment; no file content.', params: ProjectParams },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const resultList = await app.certificates.list(projectOf(request))
    return { success: true, resultList, resultCount: resultList.length }
  })

  app.get(`/projects/:projectName/certificates/${TRUSTSTORE_PATH}/:environmentName`, {
    schema: { tags: ['Certificates'], summary: 'Get truststore certificates', description: 'The admin project only: its certificates deployed to the environment, with their content.', params: TruststoreParams },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const resultList = await app.certificates.truststore(projectOf(request), request.params.environmentName)
    return { success: true, resultList, resultCount: resultList.length }
  })

  app.get('/projects/:projectName/certificates/:certificateName', {
    schema: { tags: ['Certificates'], summary: 'Get certificate', params: CertificateParams },
    config: { roles: READ_ROLES }
  }, async (request) => ({ success: true, resultList: [await app.certificates.get(projectOf(request), request.params.certificateName)] }))

  app.get('/projects/:projectName/certificates/:certificateName/export', {
    schema: { tags: ['Certificates'], summary: 'Export certificate', description: 'A ZIP of one DER file per environment, named <certificate>-<environment>.cer.', params: CertificateParams },
    config: { roles: READ_ROLES }
  }, async (request, reply) => {
    const archive = await app.certificates.exportZip(projectOf(request), request.params.certificateName)
    attachment(reply, `${request.params.certificateName}-certificates`, 'zip', 'application/octet-stream')
    return archive
  })

  app.post('/projects/:projectName/certificates', {
    schema: { tags: ['Certificates'], summary: 'Create certificate', description: 'multipart/form-data: certificateName, alias, certificateDescription, environmentList (comma-separated), pemEncodedFile.', params: ProjectParams, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'certificate.create' }
  }, async (request) => ({ success: true, deploymentResult: await app.certificates.create(projectOf(request), await readForm(request, FORM), actor(request)) }))

  app.put('/projects/:projectName/certificates/:certificateName', {
    schema: { tags: ['Certificates'], summary: 'Update certificate', description: 'Replaces the certificate in the listed environments; its name stays.', params: CertificateParams, querystring: SourceUpdateQuery, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'certificate.update' }
  }, async (request) => ({ success: true, deploymentResult: await app.certificates.update(projectOf(request), request.params.certificateName, await readForm(request, FORM), actor(request), request.query) }))

  app.delete('/projects/:projectName/certificates/:certificateName', {
    schema: { tags: ['Certificates'], summary: 'Delete certificate', description: 'Removes it from every environment; JWKs made from it keep their key.', params: CertificateParams, response: errors },
    config: { roles: DEPLOY_ROLES, audit: 'certificate.delete' }
  }, async (request) => ({ success: true, deploymentResult: await app.certificates.delete(projectOf(request), request.params.certificateName, actor(request)) }))
}

export default certificateRoutes
