import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { cleanEnv } from '../../bench/lib/processes.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX = ['--import', 'tsx']

export interface RunningServer {
  url: string
  process: ChildProcess
  /** everything the server has written so far, stdout and stderr */
  output: () => string
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** The real server, from its start-up file, in its own process, on a free port. */
export async function startServer (env: Record<string, string>): Promise<RunningServer> {
  const child = spawn(process.execPath, [...TSX, 'src/server.ts'], {
    cwd: ROOT,
    env: cleanEnv({ JWKD_PORT: '0', JWKD_HOST: '127.0.0.1', JWKD_POOL_SIZE: '2', ...env }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000)
    const check = (): void => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match !== null) {
        clearTimeout(timer)
        // Once is enough: a server under load prints a line per request.
        child.stdout.off('data', check)
        resolve(match[1] as string)
      }
    }
    child.stdout.on('data', check)
    child.once('exit', code => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    process: child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode
      child.kill(signal)
      const [code] = await once(child, 'exit')
      return code as number | null
    }
  }
}

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** The real CLI in its own process. */
export function runCliProcess (args: string[], env: Record<string, string>): CliResult {
  const result = spawnSync(process.execPath, [...TSX, 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: 60_000
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}
