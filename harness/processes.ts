// Starting jwkd (or any server that says where it listens) as a child
// process: the one way tests and benchmarks do it.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))

/** What jwkd prints once it accepts connections. */
export const JWKD_LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/

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

/**
 * How to run jwkd's server or CLI with node: the sources through tsx (what
 * tests cover), or the build in dist/ (what an operator runs, without the
 * loader's memory and threads).
 */
export function jwkdEntry (name: 'server' | 'cli', from: 'source' | 'dist'): string[] {
  if (from === 'source') return ['--import', 'tsx', join(ROOT, 'src', `${name}.ts`)]
  const built = join(ROOT, 'dist', 'src', `${name}.js`)
  if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`)
  return [built]
}

export function rssOf (pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? 0) * 1024
}

export interface ListeningProcess {
  url: string
  child: ChildProcess
  /** what it printed, stdout and stderr (the last `outputLimit` characters) */
  output: () => string
  /** resident set size, in bytes */
  rss: () => number
  /** `signal` (SIGTERM: SIGKILL after 15 s if it hangs); resolves with the exit code */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export interface SpawnOptions {
  env: NodeJS.ProcessEnv
  cwd?: string
  /** its first capture is the URL; default: jwkd's line */
  listening?: RegExp
  /** keep only this much output: a server under load prints a line per request */
  outputLimit?: number
  timeoutMs?: number
}

/** Spawns `command` and resolves once it prints where it listens; rejects if it exits first. */
export async function spawnListening (command: string, args: string[], options: SpawnOptions): Promise<ListeningProcess> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  const limit = options.outputLimit ?? Infinity
  let output = ''
  const keep = (chunk: Buffer): void => {
    output += chunk.toString('utf8')
    if (output.length > limit) output = output.slice(-limit)
  }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const pattern = options.listening ?? JWKD_LISTENING
  const timeoutMs = options.timeoutMs ?? 60_000
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no start within ${timeoutMs} ms:\n${output}`)) }, timeoutMs)
    const watch = (): void => {
      const match = pattern.exec(output)
      if (match === null) return
      clearTimeout(timer)
      child.stdout.off('data', watch)
      child.off('exit', exited)
      resolve(match[1]!)
    }
    const exited = (code: number | null): void => { clearTimeout(timer); reject(new Error(`exited with ${code}:\n${output}`)) }
    child.stdout.on('data', watch)
    child.once('exit', exited)
  })
  return {
    url,
    child,
    output: () => output,
    rss: () => rssOf(child.pid!),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const [code] = await once(child, 'exit')
      clearTimeout(killer)
      return code as number | null
    }
  }
}

/** One CLI run to its end, with a bound on how long it may take. */
export function runToEnd (command: string, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 })
}
