import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'

/** Start-up: configuration, the app, the port, and a clean stop on SIGINT/SIGTERM. */
async function main (): Promise<void> {
  const config = loadConfig()
  const app = await buildApp(config)
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

main().catch((err: unknown) => {
  const message = err instanceof ConfigError || (err as Error).name === 'WrongMasterKeyError'
    ? (err as Error).message
    : (err as Error).stack ?? String(err)
  process.stderr.write(`jwkd: cannot start: ${message}\n`)
  process.exit(1)
})
