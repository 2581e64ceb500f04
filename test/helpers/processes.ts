import type { ChildProcess } from 'node:child_process'
import { cleanEnv, jwkdEntry, runToEnd, spawnListening } from '../../harness/processes.js'
import { storeEnv } from './backend.js'

/** The backend the suite runs on follows the data directory into a child process, unless the test names a database. */
const withStore = (env: Record<string, string>): Record<string, string> =>
  env.JWKD_DATA_DIR === undefined || env.JWKD_DATABASE_URL !== undefined ? env : { ...storeEnv(env.JWKD_DATA_DIR), ...env }

export interface RunningServer {
  url: string
  process: ChildProcess
  /** everything the server has written so far, stdout and stderr */
  output: () => string
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** The real server, from its start-up file, in its own process, on a free port. */
export async function startServer (env: Record<string, string>): Promise<RunningServer> {
  const server = await spawnListening(process.execPath, jwkdEntry('server', 'source'), {
    env: cleanEnv({ JWKD_PORT: '0', JWKD_HOST: '127.0.0.1', JWKD_POOL_SIZE: '2', ...withStore(env) })
  })
  return { url: server.url, process: server.child, output: server.output, stop: server.stop }
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** The real CLI in its own process. */
export function runCliProcess (args: string[], env: Record<string, string>): CliResult {
  const { status, stdout, stderr } = runToEnd(process.execPath, [...jwkdEntry('cli', 'source'), ...args], cleanEnv(withStore(env)))
  return { status, stdout, stderr }
}
