// A throwaway PostgreSQL cluster, the one way tests and benchmarks get one.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export interface Cluster {
  /** the cluster's maintenance database */
  url: string
  /** a new, empty database's URL */
  createDatabase: () => Promise<string>
  /** stops the server (fast shutdown), as an outage would */
  stop: () => void
  start: () => void
  /** stops it for good and removes its directory */
  remove: () => void
}

/** Debian's newest server binaries (.ci/ensure-postgres installs them). */
function binaries (): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b))
  return join('/usr/lib/postgresql', versions.at(-1)!, 'bin')
}

/** A client program (psql, pg_dump) of the same version as the server. */
export const clientBinary = (program: string): string => join(binaries(), program)

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
 * initdb in a temporary directory, a server on a free loopback port only,
 * trust authentication for its one role. PostgreSQL refuses to run as root,
 * so under root it runs as `postgres` (the Debian package's user).
 */
export async function startCluster (settings: { maxConnections?: number } = {}): Promise<Cluster> {
  const bin = binaries()
  const dir = mkdtempSync(join(tmpdir(), 'jwkd-pg-'))
  const asRoot = process.getuid?.() === 0
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()))
  const run = (program: string, args: string[]): void => {
    const command = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, program), ...args] : [join(bin, program), ...args]
    execFileSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  const data = join(dir, 'data')
  run('initdb', ['-D', data, '-U', 'jwkd', '-A', 'trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=${settings.maxConnections ?? 200}`
  const start = (): void => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', options, 'start'])
  start()
  const database = (name: string): string => `postgres://jwkd@127.0.0.1:${port}/${name}`
  let databases = 0
  return {
    url: database('postgres'),
    createDatabase: async () => {
      const name = `jwkd_${process.pid}_${++databases}`
      const admin = new pg.Client({ connectionString: database('postgres') })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${name}`)
      } finally {
        await admin.end()
      }
      return database(name)
    },
    start,
    stop: () => run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']),
    remove: () => {
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop'])
      } catch {}
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
