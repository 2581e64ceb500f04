import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { spawnListening, type ListeningProcess } from '../../harness/processes.js'
import { threadNiceValues } from '../helpers/threads.js'

/**
 * dist/jwkd alone in an empty directory, with no `node` on PATH and a HOME
 * without caches: it bootstraps, its CLI makes a token, it generates every
 * key type (RSA-2048 too: the worker pool runs inside the binary), serves
 * them back, and again after a restart. `make test` builds the binary first.
 */
const BINARY = fileURLToPath(new URL('../../dist/jwkd', import.meta.url))
const dir = t.testdir()
const binary = join(dir, 'jwkd')
const home = join(dir, 'home')
const dataDir = join(dir, 'data')
const env = { PATH: '/nonexistent', HOME: home, JWKD_DATA_DIR: dataDir }

t.before(() => {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: make test builds it (make binary)`)
  mkdirSync(home)
  copyFileSync(BINARY, binary)
})

function run (...args: string[]): { status: number | null, stdout: string, stderr: string } {
  const { status, stdout, stderr } = spawnSync(binary, args, { cwd: dir, env, encoding: 'utf8', timeout: 60_000 })
  return { status, stdout, stderr }
}

async function serve (): Promise<ListeningProcess> {
  return await spawnListening(binary, ['serve'], { cwd: dir, env: { ...env, JWKD_PORT: '0' } })
}

const bodies = [
  { name: 'rsa', type: 'RSA', rsa: { keySize: 2048, algorithm: 'RS256' } },
  { name: 'ec', type: 'EC', ec: { curveType: 'P256' } },
  { name: 'okp', type: 'OKP', okp: { curveType: 'ED25519' } },
  { name: 'oct', type: 'OCT', oct: { keySize: 256 } }
]

t.test('version and help need nothing', async t => {
  t.same(run('--version'), { status: 0, stdout: 'jwkd 0.1.0\n', stderr: '' })
  const help = run('--help')
  t.equal(help.status, 0)
  t.match(help.stdout, /jwkd \[serve\]/)
  t.match(help.stdout, /JWKD_DATA_DIR/)
})

t.test('serve, CLI, every key type, restart', async t => {
  t.equal(run('project', 'create', 'Single').status, 0)
  const first = await serve()
  t.ok(existsSync(join(dataDir, 'admin-token')), 'bootstrapped')
  const token = run('token', 'create', '--name', 'ops', '--roles', 'ROLE_API_SECURITY,ROLE_DEPLOY_UNDEPLOY_PROXIES').stdout.trim()
  t.match(token, /^jwkd_/, 'the binary\'s CLI made a token')
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const read = async (url: string, name: string): Promise<string> => await (await fetch(`${url}/apiops/projects/Single/jwks/${name}/`, { headers })).text()
  const before = new Map<string, string>()
  for (const body of bodies) {
    const response = await fetch(`${first.url}/apiops/projects/Single/jwks/generate`, { method: 'POST', headers, body: JSON.stringify(body) })
    t.equal(response.status, 200, `${body.type} generated`)
    t.equal((await response.json() as { deploymentResult: { success: boolean } }).deploymentResult.success, true, `${body.type} deployed by the binary's snapshot writer`)
    const text = await read(first.url, body.name)
    t.match(JSON.parse(text).resultList[0][body.type.toLowerCase()].kty, /^(RSA|EC|OKP|oct)$/)
    before.set(body.name, text)
  }
  const published = await (await fetch(`${first.url}/environments/production/projects/Single/jwks.json`)).json() as { keys: Array<{ kty: string }> }
  t.same(published.keys.map(key => key.kty).sort(), bodies.filter(body => body.type !== 'OCT').map(body => body.type).sort(), 'the public JWKS reads what the writer deployed')
  // The RSA key's heavy-lane thread is still up (it idles a minute): its nice value is its own.
  const niceValues = threadNiceValues(first.child.pid!)
  t.ok(niceValues.includes(19), `a thread at nice 19 (the RSA lane), with the addon the binary carries: ${niceValues.join(' ')}`)
  t.ok(niceValues.includes(0), 'the others at the process priority')
  t.equal((await fetch(`${first.url}/documentation/`)).status, 200, 'documentation UI served from the binary')
  t.equal(await first.stop('SIGTERM'), 0, 'clean stop')

  const second = await serve()
  for (const [name, text] of before) t.equal(await read(second.url, name), text, `${name} identical after a restart`)
  await second.stop()
  const cache = join(home, '.cache', 'jwkd')
  t.equal(statSync(cache).isDirectory(), true)
  const [build] = readdirSync(cache)
  t.equal(statSync(join(cache, build!)).mode & 0o777, 0o700, 'private cache directory')
  t.ok(readFileSync(join(dataDir, 'jwkd.db')).length > 0)
})
