import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { runCli } from '../../src/cli/run-cli.js'
import { loadConfig } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { startCluster } from '../helpers/postgres.js'

/**
 * Two jwkd instances on one PostgreSQL database, real servers over real
 * HTTP: what one writes the other reads, names stay unique across them, and
 * a token revoked through one is refused by the other.
 */
const cluster = await startCluster(t)
const databaseUrl = await cluster.createDatabase()
const dirs = t.testdir({ a: {}, b: {}, c: {} })
// Every instance needs the same master key: the check value in the shared database refuses any other.
const masterKey = randomBytes(32).toString('base64')
const env = (name: string): Record<string, string> => ({
  JWKD_DATA_DIR: join(dirs, name),
  JWKD_DATABASE_URL: databaseUrl,
  JWKD_MASTER_KEY: masterKey,
  JWKD_POOL_SIZE: '1'
})

async function instance (name: string, extra: Record<string, string> = {}): Promise<{ url: string }> {
  const app = await buildApp(loadConfig({ ...env(name), ...extra }), { logger: false })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

const a = await instance('a')
const b = await instance('b')
const quiet = { out: () => {}, err: () => {} }
t.equal(await runCli(['project', 'create', 'Shared'], env('b'), quiet), 0, 'the CLI works on PostgreSQL too')
const token = readFileSync(adminTokenPath(join(dirs, 'a')), 'utf8').trim()
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
const generate = async (url: string, name: string): Promise<Response> =>
  await fetch(`${url}/apiops/projects/Shared/jwks/generate`, { method: 'POST', headers, body: JSON.stringify({ name, type: 'EC', ec: { curveType: 'P256' } }) })

t.test('a key generated through one instance is read, whole, through the other', async t => {
  t.equal((await generate(a.url, 'from-a')).status, 200)
  const got = await fetch(`${b.url}/apiops/projects/Shared/jwks/from-a/`, { headers })
  t.equal(got.status, 200)
  const jwk = (await got.json() as { resultList: Array<{ ec: Record<string, string> }> }).resultList[0]!.ec
  t.same([jwk.kty, jwk.crv, typeof jwk.d], ['EC', 'P-256', 'string'], 'b opens the private part a sealed')
})

t.test('fifty generates with one name over both instances: exactly one 200, the rest the documented 400', async t => {
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, index) => {
    const response = await generate(index % 2 === 0 ? a.url : b.url, 'contested')
    return { status: response.status, body: await response.json() as { error_description?: string } }
  }))
  t.equal(answers.filter(answer => answer.status === 200).length, 1)
  t.ok(answers.filter(answer => answer.status !== 200).every(answer => answer.status === 400 &&
    answer.body.error_description === 'JWK (name: contested) is already exist! Try update operation if want to change its value.'), 'every other answer')
})

t.test('a token revoked through the CLI is refused by both instances within a second', async t => {
  const issued: string[] = []
  t.equal(await runCli(['token', 'create', '--name', 'short', '--roles', 'ROLE_API_SECURITY'], env('a'), { out: line => issued.push(line), err: () => {} }), 0)
  const shortLived = { authorization: `Bearer ${issued[0]!}` }
  for (const { url } of [a, b]) t.equal((await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers: shortLived })).status, 200)
  t.equal(await runCli(['token', 'revoke', 'short'], env('b'), quiet), 0)
  // Each instance caches tokens until it hears of a commit (NOTIFY, milliseconds later).
  for (const { url } of [a, b]) {
    const deadline = Date.now() + 1000
    let status = 0
    while (status !== 401 && Date.now() < deadline) {
      status = (await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers: shortLived })).status
      if (status !== 401) await new Promise(resolve => setTimeout(resolve, 20))
    }
    t.equal(status, 401)
  }
})

t.test('more generates at once than the instance has connections: each commit seals with the connection it holds', async t => {
  const small = await instance('c', { JWKD_DATABASE_POOL_SIZE: '2' })
  const statuses = await Promise.all(Array.from({ length: 30 }, async (_, index) => (await generate(small.url, `pooled-${index}`)).status))
  t.same([...new Set(statuses)], [200], 'no commit waits for a second connection while holding one')
})

t.test('readiness asks the database', async t => {
  for (const { url } of [a, b]) t.same(await (await fetch(`${url}/ready`)).json(), { status: 'ready', checks: { database: true, pool: true } })
})

t.test('a key generated through one instance is in the other\'s public JWK Set within a second, with the same ETag on both', async t => {
  const setUrl = (url: string): string => `${url}/environments/production/projects/Shared/jwks.json`
  const before = await fetch(setUrl(b.url))
  t.equal(before.status, 200)
  const etagBefore = before.headers.get('etag')
  t.equal((await generate(a.url, 'published-by-a')).status, 200)
  const kid = ((await (await fetch(`${a.url}/apiops/projects/Shared/jwks/published-by-a/`, { headers })).json()) as { resultList: Array<{ kid: string }> }).resultList[0]!.kid
  const deadline = Date.now() + 1000
  let seen: { keys: Array<{ kid?: string }> } = { keys: [] }
  let etag: string | null = null
  while (Date.now() < deadline) {
    const response = await fetch(setUrl(b.url))
    seen = await response.json() as typeof seen
    etag = response.headers.get('etag')
    if (seen.keys.some(key => key.kid === kid)) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.ok(seen.keys.some(key => key.kid === kid), 'b publishes the key a made')
  t.not(etag, etagBefore, 'and its ETag moved')
  t.equal((await fetch(setUrl(a.url))).headers.get('etag'), etag, 'both instances answer the same ETag for the same set')
})

t.test('a key deleted through one instance leaves the other\'s public JWK Set', async t => {
  const kid = ((await (await fetch(`${a.url}/apiops/projects/Shared/jwks/published-by-a/`, { headers })).json()) as { resultList: Array<{ kid: string }> }).resultList[0]!.kid
  t.equal((await fetch(`${b.url}/apiops/projects/Shared/jwks/published-by-a/`, { method: 'DELETE', headers: { authorization: headers.authorization } })).status, 200)
  const deadline = Date.now() + 1000
  let present = true
  while (present && Date.now() < deadline) {
    present = ((await (await fetch(`${a.url}/environments/production/projects/Shared/jwks.json`)).json()) as { keys: Array<{ kid?: string }> }).keys.some(key => key.kid === kid)
    if (present) await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.notOk(present)
})

t.test('PostgreSQL stopped under load: 503 with Retry-After, never a 500; both serve again within 5 s of its return, every acknowledged key intact', async t => {
  const acknowledged: string[] = []
  for (let index = 0; index < 5; index++) {
    if ((await generate(index % 2 === 0 ? a.url : b.url, `before-outage-${index}`)).status === 200) acknowledged.push(`before-outage-${index}`)
  }
  t.equal(acknowledged.length, 5)
  cluster.stop()
  const during = await Promise.all(Array.from({ length: 20 }, async (_, index) => {
    const url = index % 2 === 0 ? a.url : b.url
    const response = index % 4 < 2 ? await generate(url, `during-outage-${index}`) : await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers })
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() as { error?: string } }
  }))
  t.same([...new Set(during.map(answer => answer.status))], [503], 'every request during the outage is a 503')
  t.ok(during.every(answer => answer.retryAfter === '5' && answer.body.error === 'service_unavailable'), 'with Retry-After, in the Apinizer shape')
  for (const { url } of [a, b]) t.equal((await fetch(`${url}/ready`)).status, 503, 'not ready while the database is away')
  cluster.start()
  const returned = Date.now()
  for (const { url } of [a, b]) {
    let status = 0
    while (status !== 200 && Date.now() - returned < 5000) {
      status = (await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers })).status
      if (status !== 200) await new Promise(resolve => setTimeout(resolve, 100))
    }
    t.equal(status, 200, 'serving again within 5 s')
    t.equal((await fetch(`${url}/ready`)).status, 200)
  }
  const listed = ((await (await fetch(`${b.url}/apiops/projects/Shared/jwks/`, { headers })).json()) as { resultList: Array<{ name: string }> }).resultList.map(item => item.name)
  t.ok(acknowledged.every(name => listed.includes(name)), 'every key acknowledged before the outage is there')
  t.notOk(listed.some(name => name.startsWith('during-outage-')), 'nothing refused during it was stored')
})
