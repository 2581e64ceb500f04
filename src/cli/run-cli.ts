import { parseArgs } from 'node:util'
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../config.js'
import type { RuntimeAssets } from '../runtime-assets.js'
import { openStore } from '../store/open-store.js'
import type { Store } from '../store/store.js'
import { auditCommand } from './audit.js'
import { masterKeyCommand } from './master-key.js'
import { CliError, usageError, type CliIo } from './io.js'
import { jwkCommand } from './jwks.js'
import { envCommand, projectCommand } from './resources.js'
import { tokenCommand } from './tokens.js'

/** The usage text; the single executable also starts the server, and says so. */
export const helpText = (options: { serve: boolean } = { serve: false }): string => `jwkd — self-hosted JSON Web Key service (admin CLI)

Usage:
${options.serve ? '  jwkd [serve]                                       starts the server (the default)\n' : ''}  jwkd project create NAME [--description TEXT]      jwkd project list | delete NAME
  jwkd env create NAME [--description TEXT]          jwkd env list | delete NAME
  jwkd jwk list PROJECT                               jwkd jwk delete PROJECT NAME
          delete undeploys it from every environment
  jwkd jwk versions PROJECT NAME                      jwkd jwk rotate PROJECT NAME [--kid KID]
          versions: number, kid, state, activatesAt, verifyUntil (tab-separated); rotate prints the new kid
  jwkd token create --name NAME --roles R1,R2 [--projects P1,P2|*] [--expires-in 90d]
          prints the new token alone on stdout (it is shown once, stored only as a hash)
  jwkd token list | revoke NAME
  jwkd master-key rotate                              re-encrypts every private key under a new master key
          (the key must live in a file: <data>/master.key or JWKD_MASTER_KEY_FILE)
  jwkd audit [--project P] [--since 2026-01-01T00:00:00Z|24h] [--limit N]
          one entry per line: time, token, action, project, key, kid, outcome, request id (tab-separated)

Commands work on the data directory while the server runs; changes take effect without a restart.

Environment:
${CONFIG_VARIABLES.map(([name, fallback, meaning]) => `  ${name.padEnd(22)} ${meaning} (default: ${fallback})`).join('\n')}
`

/** Runs one CLI invocation; returns the exit code. Output goes through `io` so tests can read it. */
export async function runCli (argv: string[], env: Record<string, string | undefined>, io: CliIo, assets: RuntimeAssets = {}): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        description: { type: 'string' },
        name: { type: 'string' },
        roles: { type: 'string' },
        projects: { type: 'string' },
        'expires-in': { type: 'string' },
        project: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        kid: { type: 'string' }
      }
    })
  } catch (err) {
    io.err(`jwkd: ${(err as Error).message}`)
    return 2
  }
  const [group, action, ...positionals] = parsed.positionals
  if (parsed.values.help === true || group === undefined || group === 'help') {
    io.out(helpText())
    return 0
  }

  let store: Store | undefined
  try {
    // Every file a command creates in the data directory is the owner's alone.
    process.umask(0o077)
    const config = loadConfig(env)
    store = await openStore(config, { sqlite: assets.sqlite })
    const ctx = { store, io, positionals, dataDir: config.dataDir, description: parsed.values.description, sqlite: assets.sqlite }
    switch (group) {
      case 'project': await projectCommand(action, ctx); break
      case 'env': await envCommand(action, ctx); break
      case 'jwk': await jwkCommand(action, { store, io, positionals, config, options: { kid: parsed.values.kid }, assets }); break
      case 'token': await tokenCommand(action, { store, io, positionals, options: parsed.values }); break
      case 'audit': await auditCommand({ store, io, options: parsed.values }); break
      case 'master-key': await masterKeyCommand(action, { store, io, config, sqlite: assets.sqlite }); break
      default: throw usageError(`unknown command ${JSON.stringify(group)}; see jwkd --help`)
    }
    return 0
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError) {
      io.err(`jwkd: ${err.message}`)
      return err instanceof CliError ? err.exitCode : 1
    }
    io.err(`jwkd: unexpected error: ${(err as Error).stack ?? String(err)}`)
    return 1
  } finally {
    await store?.close()
  }
}
