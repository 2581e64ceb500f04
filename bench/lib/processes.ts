import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanEnv, jwkdEntry, runToEnd, spawnListening, type ListeningProcess } from '../../harness/processes.js'

export interface Service {
  url: string
  pid: number
  stop: () => Promise<void>
  /** resident set size of the server process, in bytes */
  rss: () => number
}

/** Enough output to say why a server died, bounded however much it logs. */
const OUTPUT_TAIL = 16_384

function service (started: ListeningProcess, cleanup: () => void): Service {
  let stopping = false
  // A server that dies under load turns into socket errors in the figures: say why, where it shows.
  started.child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`server ${started.child.pid} exited unexpectedly (${code ?? signal}); its last output:\n${started.output()}\n`)
  })
  return {
    url: started.url,
    pid: started.child.pid!,
    rss: started.rss,
    stop: async () => {
      stopping = true
      await started.stop()
      cleanup()
    }
  }
}

export interface JwkdService extends Service {
  token: string
  dataDir: string
}

/** A real jwkd server process on a fresh data directory, with projects and environments made by its CLI; `joining`: another instance on the same PostgreSQL database. */
export async function startJwkd (options: { projects: string[], environments: string[], poolSize?: number, env?: Record<string, string>, nodeArgs?: string[], fromSource?: boolean, joining?: JwkdService }): Promise<JwkdService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jwkd-bench-'))
  const env = cleanEnv({ JWKD_DATA_DIR: dataDir, JWKD_LOG_LEVEL: 'warn', ...options.env })
  const from = options.fromSource === true ? 'source' : 'dist'
  const cli = (...args: string[]): void => {
    const result = runToEnd(process.execPath, [...jwkdEntry('cli', from), ...args], env)
    if (result.status !== 0) throw new Error(`jwkd ${args.join(' ')}: ${result.stderr}`)
  }
  for (const project of options.projects) cli('project', 'create', project)
  for (const environment of options.environments) cli('env', 'create', environment)
  const started = await spawnListening(process.execPath, [...(options.nodeArgs ?? []), ...jwkdEntry('server', from)], {
    env: { ...env, JWKD_PORT: '0', JWKD_LOG_LEVEL: 'info', ...(options.poolSize === undefined ? {} : { JWKD_POOL_SIZE: String(options.poolSize) }) },
    outputLimit: OUTPUT_TAIL
  })
  // A second instance on a shared database finds it bootstrapped: the first one's token is the token.
  const token = options.joining?.token ?? readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
  return { ...service(started, () => rmSync(dataDir, { recursive: true, force: true })), token, dataDir }
}

/** The baseline server: a bare Fastify route that generates and exports a key, nothing more. */
export async function startBare (): Promise<Service> {
  const started = await spawnListening(process.execPath, ['bench/lib/bare-server.mjs'], {
    env: cleanEnv(),
    listening: /listening (http:\/\/127\.0\.0\.1:\d+)/,
    outputLimit: OUTPUT_TAIL
  })
  return service(started, () => {})
}
