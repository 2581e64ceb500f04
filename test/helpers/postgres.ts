import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

export interface Cluster {
  /** the cluster's maintenance database; `database(name)` for another */
  url: string
  database: (name: string) => string
  /** stops the server (fast shutdown), as an outage would */
  stop: () => void
  start: () => void
}

/** Debian's newest server binaries (.ci/ensure-postgres installs them). */
function binaries (): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b))
  return join('/usr/lib/postgresql', versions.at(-1)!, 'bin')
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * A throwaway PostgreSQL cluster for one test file: initdb in a temporary
 * directory, listening on a free loopback port only, removed at teardown.
 * PostgreSQL refuses to run as root, so under root it runs as `postgres`.
 */
export async function startCluster (t: Test): Promise<Cluster> {
  const bin = binaries()
  const dir = mkdtempSync(join(tmpdir(), 'jwkd-pg-'))
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir, uid, gid)
  }
  const run = (program: string, args: string[]): void => {
    const command = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, program), ...args] : [join(bin, program), ...args]
    execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const data = join(dir, 'data')
  run('initdb', ['-D', data, '-U', 'jwkd', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200`
  const start = (): void => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', options, 'start'])
  const stop = (): void => run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop'])
  start()
  t.teardown(() => {
    try {
      run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop'])
    } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  const database = (name: string): string => `postgres://jwkd@127.0.0.1:${port}/${name}`
  return { url: database('postgres'), database, stop, start }
}
