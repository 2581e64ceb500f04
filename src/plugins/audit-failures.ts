import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the audit action of a route that changes keys; its refusals are recorded too */
    audit?: string
  }
}

/**
 * Records refused changes (4xx/5xx) by callers the project let in; successes
 * are recorded by the service, which knows the kid and the deploy outcome.
 * A refusal before that (no valid token, a missing role, a project out of
 * the token's scope) goes to the process log only: a project's trail is
 * read by its own users, and outsiders must not be able to write to it.
 */
async function auditFailures (app: FastifyInstance): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    const action = request.routeOptions.config.audit
    if (action === undefined || reply.statusCode < 400) return
    if (request.project === null || request.token === null) {
      request.log.info({ action, token: request.token?.name, status: reply.statusCode }, 'change refused before reaching a project')
      return
    }
    const params = request.params as { projectName?: string, name?: string }
    const bodyName = (request.body as { name?: unknown } | undefined)?.name
    const jwkName = params.name ?? (typeof bodyName === 'string' ? bodyName.slice(0, 255) : undefined)
    await app.auditTrail.refused({ actor: request.token.name, action, project: request.project.name, jwkName, requestId: request.id }, reply.statusCode)
  })
}

export default fp(auditFailures, { name: 'audit-failures', dependencies: ['auth', 'services'] })
