import { ALL_PROJECTS, ALL_ROLES, isRole } from '../auth/roles.js'
import { issueToken } from '../auth/tokens.js'
import { isResourceName } from '../schemas/common.js'
import { NameTakenError } from '../store/errors.js'
import type { Store } from '../store/store.js'
import { parseDuration } from './duration.js'
import { CliError, usageError, type CliIo } from './io.js'

export interface TokenCommandContext {
  store: Store
  io: CliIo
  positionals: string[]
  options: { name?: string, roles?: string, projects?: string, 'expires-in'?: string }
}

const list = (text: string): string[] => text.split(',').map(item => item.trim()).filter(item => item !== '')

function parseRoles (text: string | undefined): string[] {
  if (text === undefined) throw usageError('--roles is required (comma-separated: ' + ALL_ROLES.join(', ') + ')')
  const roles = list(text)
  const unknown = roles.filter(role => !isRole(role))
  if (roles.length === 0 || unknown.length > 0) throw new CliError(`unknown role(s) ${unknown.join(', ')}; known roles: ${ALL_ROLES.join(', ')}`)
  return [...new Set(roles)]
}

function parseProjects (text: string | undefined): string[] {
  if (text === undefined || text.trim() === ALL_PROJECTS) return [ALL_PROJECTS]
  const projects = list(text)
  const invalid = projects.filter(project => !isResourceName(project))
  if (projects.length === 0 || invalid.length > 0) throw new CliError(`invalid project name(s) in --projects: ${invalid.join(', ')}`)
  return [...new Set(projects)]
}

/** `jwkd token …`: the token is printed once, on creation, and only its hash is kept. */
export async function tokenCommand (action: string | undefined, ctx: TokenCommandContext): Promise<void> {
  const { store, io, options } = ctx
  switch (action) {
    case 'create': {
      const name = options.name
      if (name === undefined || name.trim() === '' || name.length > 255) throw usageError('--name is required (1 to 255 characters)')
      const roles = parseRoles(options.roles)
      const projects = parseProjects(options.projects)
      let expiresAt: Date | null = null
      if (options['expires-in'] !== undefined) {
        const ms = parseDuration(options['expires-in'])
        if (ms === undefined) throw new CliError(`--expires-in must look like 90d, 12h, 30m, 45s, 2w or 1y; got ${JSON.stringify(options['expires-in'])}`)
        expiresAt = new Date(Date.now() + ms)
      }
      try {
        io.out((await store.commits.run(async tx => await issueToken(tx, { name, roles, projects, expiresAt }))).token)
      } catch (err) {
        if (err instanceof NameTakenError) throw new CliError(`a token named ${name} already exists`)
        throw err
      }
      return
    }
    case 'list':
      for (const token of await store.tokens.list()) io.out(token.name)
      return
    case 'revoke': {
      const name = ctx.positionals[0]
      if (name === undefined) throw usageError('usage: jwkd token revoke NAME')
      if (!await store.commits.run(async tx => await tx.tokens.revoke(name))) throw new CliError(`no live token named ${name}`)
      io.out(name)
      return
    }
    default:
      throw usageError('usage: jwkd token create --name NAME --roles R1,R2 [--projects P1,P2|*] [--expires-in 90d] | list | revoke NAME')
  }
}
