import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the audit action of a route that changes keys; its refusals are recorded too */
    audit?: string
  }
}

/**
 * Records refused changes (4xx/5xx) by authenticated callers; successes are
 * recorded by the service, which knows the kid and the deploy outcome.
 * Unauthenticated attempts are not recorded: anyone could fill the log.
 */
async function auditFailures (app: FastifyInstance): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    const action = request.routeOptions.config.audit
    if (action === undefined || reply.statusCode < 400 || request.token === null) return
    const params = request.params as { projectName?: string, name?: string }
    const bodyName = (request.body as { name?: unknown } | undefined)?.name
    const jwkName = params.name ?? (typeof bodyName === 'string' ? bodyName.slice(0, 255) : undefined)
    await app.store.commits.run(() => app.store.audit.append({
      actor: request.token.name,
      action,
      project: params.projectName?.slice(0, 255),
      jwkName,
      outcome: `refused: ${reply.statusCode}`,
      requestId: request.id
    }))
  })
}

export default fp(auditFailures, { name: 'audit-failures', dependencies: ['auth'] })
