import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import type { RuntimeAssets } from './runtime-assets.js'

/** Start-up: configuration, the app, the port, and a clean stop on SIGINT/SIGTERM. */
export async function startServer (env: Record<string, string | undefined> = process.env, assets: RuntimeAssets = {}): Promise<void> {
  // Every file the server creates in the data directory is the owner's alone.
  process.umask(0o077)
  const config = loadConfig(env)
  const app = await buildApp(config, { assets })
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: no new requests, finishing in-flight ones')
    app.close().then(() => process.exit(0), (err: unknown) => {
      app.log.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  await app.listen({ host: config.host, port: config.port })
}

/** What to print when start-up fails: the message for known causes, the stack for anything else. */
export function startFailure (err: unknown): string {
  const known = err instanceof ConfigError || (err as Error).name === 'WrongMasterKeyError'
  return `jwkd: cannot start: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`
}
