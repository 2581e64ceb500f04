// The single executable's entry: `jwkd` / `jwkd serve` starts the server,
// any other command is the admin CLI. Both need the files the build embedded
// (worker code, the SQLite addon, the documentation UI) extracted first.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { processIo } from '../cli/io.js'
import { HELP, runCli } from '../cli/run-cli.js'
import { useDocumentationAssets } from '../plugins/documentation.js'
import { startFailure, startServer } from '../start-server.js'
import { useNativeBinding } from '../store/database.js'
import { VERSION } from '../version.js'
import { useWorkerFile } from '../worker-files.js'
import { extractAssets } from './assets.js'

declare global {
  // read by the bundled piscina in place of its own directory (see tools/build-binary.mjs)
  var __jwkdPiscinaWorker: string | undefined
}

function prepare (): void {
  const dir = extractAssets()
  const load = createRequire(join(dir, 'loader.cjs'))
  const addon = join(dir, 'better_sqlite3.node')
  useNativeBinding(load(addon) as object, addon)
  globalThis.__jwkdPiscinaWorker = join(dir, 'piscina-worker.cjs')
  // read by the bundled piscina worker in every thread (see tools/build-binary.mjs)
  process.env.JWKD_SEA_NICE_ADDON = join(dir, 'nice.node')
  useWorkerFile('keygen', pathToFileURL(join(dir, 'keygen-worker.mjs')).href)
  useWorkerFile('snapshot-writer', pathToFileURL(join(dir, 'snapshot-writer.cjs')).href)
  useDocumentationAssets(join(dir, 'swagger'))
}

async function main (argv: string[]): Promise<number | undefined> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    process.stdout.write(`jwkd ${VERSION}\n`)
    return 0
  }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(HELP.replace('Usage:\n', 'Usage:\n  jwkd [serve]                                       starts the server (the default)\n'))
    return 0
  }
  prepare()
  if (argv.length === 0 || argv[0] === 'serve') {
    await startServer()
    return undefined
  }
  return await runCli(argv, process.env, processIo)
}

main(process.argv.slice(2)).then(code => {
  if (code !== undefined) process.exitCode = code
}, (err: unknown) => {
  process.stderr.write(startFailure(err))
  process.exit(1)
})
