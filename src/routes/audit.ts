import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { READ_ROLES } from '../auth/roles.js'
import { projectOf } from '../plugins/auth.js'
import { Defaulted, ProjectParams } from '../schemas/common.js'

/** GET /apiops/projects/{p}/audit/: the project's audit trail, oldest first. */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/projects/:projectName/audit', {
    schema: {
      tags: ['Audit'],
      summary: 'Audit log',
      description: 'Who did what to which key, and when; never key material.',
      params: ProjectParams,
      querystring: Type.Object({
        since: Type.Optional(Type.String({ format: 'date-time', description: 'RFC 3339; entries at or after it' })),
        limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1000, default: 100 }))
      })
    },
    config: { roles: READ_ROLES }
  }, async (request) => {
    const resultList = await app.auditTrail.list(projectOf(request), {
      since: request.query.since === undefined ? undefined : new Date(request.query.since),
      limit: request.query.limit
    })
    return { success: true, resultList, resultCount: resultList.length }
  })
}

export default auditRoutes
