// Start-up time of dist/jwkd against `node dist/src/server.js`, alternating,
// same run: spawn → "Server listening" on stdout. `make binary` first.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cleanEnv, spawnListening } from '../harness/processes.js'
import { median, round } from './lib/stats.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const commands: Record<string, string[]> = {
  binary: [join(root, 'dist', 'jwkd'), 'serve'],
  node: [process.execPath, join(root, 'dist', 'src', 'server.js')]
}

async function startOnce (command: string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jwkd-startup-'))
  const started = performance.now()
  const server = await spawnListening(command[0]!, command.slice(1), { env: cleanEnv({ JWKD_DATA_DIR: dataDir, JWKD_PORT: '0' }) })
  const elapsed = performance.now() - started
  await server.stop('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
  return elapsed
}

const times: Record<string, number[]> = { binary: [], node: [] }
for (let round = 0; round < 7; round++) {
  for (const name of ['binary', 'node']) times[name]!.push(await startOnce(commands[name]!))
}
const size = statSync(commands.binary![0]!).size
process.stdout.write(`binary size: ${round(size / 1024 / 1024, 1)} MiB\n`)
for (const name of ['binary', 'node']) process.stdout.write(`${name}: median start ${round(median(times[name]!), 0)} ms (${times[name]!.map(t => round(t, 0)).join(', ')})\n`)
process.stdout.write(`ratio binary ÷ node: ${round(median(times.binary!) / median(times.node!), 2)}\n`)
