import { isRfc3339DateTime } from '../schemas/formats.js'
import type { Store } from '../store/store.js'
import { parseDuration } from './duration.js'
import { CliError, type CliIo } from './io.js'

export interface AuditCommandContext {
  store: Store
  io: CliIo
  options: { project?: string, since?: string, limit?: string }
}

/** `--since` is an RFC 3339 time or a duration back from now (`24h`, `7d`). */
function parseSince (text: string | undefined): Date | undefined {
  if (text === undefined) return undefined
  if (isRfc3339DateTime(text)) return new Date(text)
  const back = parseDuration(text)
  if (back === undefined) throw new CliError(`--since must be an RFC 3339 time or a duration such as 24h or 7d; got ${JSON.stringify(text)}`)
  return new Date(Date.now() - back)
}

/** `jwkd audit`: one entry per line, tab-separated: time, token, action, project, key, kid, outcome, request id. */
export async function auditCommand (ctx: AuditCommandContext): Promise<void> {
  const limit = ctx.options.limit === undefined ? 1000 : Number(ctx.options.limit)
  if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive whole number')
  const entries = await ctx.store.audit.list({ project: ctx.options.project, since: parseSince(ctx.options.since), limit })
  for (const entry of entries) {
    ctx.io.out([entry.at, entry.actor, entry.action, entry.project, entry.jwkName, entry.kid, entry.outcome, entry.requestId]
      .map(field => (field ?? '-').replace(/[\t\n\r]/g, ' ')).join('\t'))
  }
}
