// The single executable's entry: `jwkd` / `jwkd serve` starts the server,
// any other command is the admin CLI. Both need the files the build embedded
// (worker code, the SQLite addon, the documentation UI) extracted first.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { processIo } from '../cli/io.js'
import { helpText, runCli } from '../cli/run-cli.js'
import type { RuntimeAssets } from '../runtime-assets.js'
import { startFailure, startServer } from '../start-server.js'
import { loadSqliteBinding } from '../store/database.js'
import { VERSION } from '../version.js'
import { extractAssets } from './assets.js'

declare global {
  // read by the bundled piscina in place of its own directory (see tools/build-binary.mjs)
  var __jwkdPiscinaWorker: string | undefined
}

/** Extracts what the build embedded; jwkd's own modules get it as one object, piscina's bundle through the two hooks it was patched with. */
function prepare (): RuntimeAssets {
  const dir = extractAssets()
  globalThis.__jwkdPiscinaWorker = join(dir, 'piscina-worker.cjs')
  // read by the bundled piscina worker in every thread (see tools/build-binary.mjs)
  process.env.JWKD_SEA_NICE_ADDON = join(dir, 'nice.node')
  return {
    sqlite: loadSqliteBinding(join(dir, 'better_sqlite3.node')),
    workers: {
      keygen: pathToFileURL(join(dir, 'keygen-worker.mjs')).href,
      'snapshot-writer': pathToFileURL(join(dir, 'snapshot-writer.cjs')).href
    },
    documentationDir: join(dir, 'swagger')
  }
}

async function main (argv: string[]): Promise<number | undefined> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`jwkd ${VERSION}\n`)
    return 0
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(helpText({ serve: true }))
    return 0
  }
  const assets = prepare()
  if (argv.length === 0 || argv[0] === 'serve') {
    await startServer(process.env, assets)
    return undefined
  }
  return await runCli(argv, process.env, processIo, assets)
}

main(process.argv.slice(2)).then(code => {
  if (code !== undefined) process.exitCode = code
}, (err: unknown) => {
  process.stderr.write(startFailure(err))
  process.exit(1)
})
