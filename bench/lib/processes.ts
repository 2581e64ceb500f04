import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The built server and CLI (`make bench` builds first): what an operator
 * runs, without the TypeScript loader's memory and threads. The smoke run
 * inside the test suite uses the sources instead, through the same loader as
 * the tests, so the coverage it adds maps onto the same code.
 */
function entry (name: 'server' | 'cli', fromSource: boolean): string[] {
  if (fromSource) return ['--import', 'tsx', join(ROOT, 'src', `${name}.ts`)]
  const built = join(ROOT, 'dist', 'src', `${name}.js`)
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`)
  return [built]
}

export interface Service {
  url: string
  pid: number
  stop: () => Promise<void>
  /** resident set size of the server process, in bytes */
  rss: () => number
}

export function rssOf (pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? 0) * 1024
}

/** The last 16 KiB a child printed: enough to say why it died, bounded however much it logs. */
function outputTail (child: ChildProcess): () => string {
  let tail = ''
  const keep = (chunk: Buffer): void => { tail = (tail + chunk.toString()).slice(-16_384) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return () => tail
}

/** Resolves with the first capture of `pattern` in the child's output. */
async function listening (child: ChildProcess, pattern: RegExp, output: () => string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output()}`)), 60_000)
    const watch = (): void => {
      const match = pattern.exec(output())
      if (match === null) return
      clearTimeout(timer)
      child.stdout?.off('data', watch)
      child.off('exit', exited)
      resolve(match[1]!)
    }
    const exited = (code: number | null): void => { clearTimeout(timer); reject(new Error(`exited with ${code}:\n${output()}`)) }
    child.stdout?.on('data', watch)
    child.once('exit', exited)
  })
}

function service (child: ChildProcess, url: string, output: () => string, cleanup: () => void): Service {
  let stopping = false
  // A server that dies under load turns into socket errors in the figures: say why, where it shows.
  child.once('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`server ${child.pid} exited unexpectedly (${code ?? signal}); its last output:\n${output()}\n`)
  })
  return {
    url,
    pid: child.pid!,
    rss: () => rssOf(child.pid!),
    stop: async () => {
      stopping = true
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
        await once(child, 'exit')
        clearTimeout(killer)
      }
      cleanup()
    }
  }
}

/**
 * The environment for a child that runs the product: ours, without the test
 * runner's variables (NODE_OPTIONS, NODE_V8_COVERAGE, TAP*) and with tap's
 * coverage switched off. Under tap, its process tracker still loads in the
 * child (it adds itself to every spawn), but records no coverage there.
 */
export function cleanEnv (extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'NODE_V8_COVERAGE' || /^_?TAP/.test(name)) continue
    env[name] = value
  }
  // Its off switch: children run tsx, which compiles each source differently
  // from tap's loader, and two compilations of one file made tap's coverage
  // totals random (docs/DESIGN.md, "Coverage").
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...extra }
}

export interface JwkdService extends Service {
  token: string
  dataDir: string
}

/** A real jwkd server process on a fresh data directory, with projects and environments made by its CLI. */
export async function startJwkd (options: { projects: string[], environments: string[], poolSize?: number, env?: Record<string, string>, nodeArgs?: string[], fromSource?: boolean }): Promise<JwkdService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'jwkd-bench-'))
  const env = cleanEnv({ JWKD_DATA_DIR: dataDir, JWKD_LOG_LEVEL: 'warn', ...options.env })
  const cli = (...args: string[]): void => {
    const result = spawnSync(process.execPath, [...entry('cli', options.fromSource === true), ...args], { cwd: ROOT, env, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`jwkd ${args.join(' ')}: ${result.stderr}`)
  }
  for (const project of options.projects) cli('project', 'create', project)
  for (const environment of options.environments) cli('env', 'create', environment)
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...entry('server', options.fromSource === true)], {
    cwd: ROOT,
    env: { ...env, JWKD_PORT: '0', JWKD_LOG_LEVEL: 'info', ...(options.poolSize === undefined ? {} : { JWKD_POOL_SIZE: String(options.poolSize) }) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output = outputTail(child)
  const url = await listening(child, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/, output)
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()
  return { ...service(child, url, output, () => rmSync(dataDir, { recursive: true, force: true })), token, dataDir }
}

/** The baseline server: a bare Fastify route that generates and exports a key, nothing more. */
export async function startBare (): Promise<Service> {
  const child = spawn(process.execPath, ['bench/lib/bare-server.mjs'], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  const output = outputTail(child)
  const url = await listening(child, /listening (http:\/\/127\.0\.0\.1:\d+)/, output)
  return service(child, url, output, () => {})
}
