import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { runCli } from '../../src/cli/run-cli.js'
import { loadConfig } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { startCluster } from '../helpers/postgres.js'
import { startServer } from '../helpers/processes.js'

/**
 * Rotation with several instances on one PostgreSQL database: the same due
 * rotation, ticked by two instances at once, is done once; an instance
 * killed mid-rotation leaves every key with its versions whole, none lost
 * or doubled.
 */
const cluster = await startCluster(t)
const masterKey = randomBytes(32).toString('base64')
const DAY = 86_400_000

interface Version { version: number, kid: string, state: string }

t.test('two instances tick the same due rotations at once: each is done exactly once', async t => {
  const url = await cluster.createDatabase()
  const dirs = t.testdir({ a: {}, b: {} })
  let now = Date.parse('2033-05-01T00:00:00.000Z')
  const clock = (): Date => new Date(now)
  const config = (name: string): ReturnType<typeof loadConfig> =>
    loadConfig({ JWKD_DATA_DIR: join(dirs, name), JWKD_DATABASE_URL: url, JWKD_MASTER_KEY: masterKey, JWKD_POOL_SIZE: '2', JWKD_ROTATION_CHECK_MS: '0' })
  const a = await buildApp(config('a'), { logger: false, clock })
  t.teardown(() => a.close())
  await a.store.projects.create('P')
  await a.ready()
  const b = await buildApp(config('b'), { logger: false, clock })
  t.teardown(() => b.close())
  await b.ready()
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(join(dirs, 'a')), 'utf8').trim()}` }
  const names = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6']
  for (const name of names) {
    const response = await a.inject({ method: 'POST', url: '/apiops/projects/P/jwks/generate', headers, payload: { name, type: 'EC', ec: { curveType: 'P256', rotation: { period: 'P30D', publishAhead: 'P1D' } } } })
    t.equal(response.statusCode, 200, response.body)
  }
  const versions = async (name: string): Promise<Version[]> => (await b.inject({ method: 'GET', url: `/apiops/projects/P/jwks/${name}/versions/`, headers })).json().resultList

  const start = now
  for (let round = 1; round <= 3; round++) {
    now = start + (30 * round - 1) * DAY
    const published = await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    t.equal(published[0] + published[1], names.length, `day ${30 * round - 1}: ${names.length} versions published between both (${published.join(' + ')})`)
    now = start + 30 * round * DAY
    const activated = await Promise.all([a.scheduler.tick(), b.scheduler.tick()])
    t.equal(activated[0] + activated[1], names.length, `day ${30 * round}: ${names.length} made current between both (${activated.join(' + ')})`)
  }
  for (const name of names) {
    const states = (await versions(name)).map(version => `${version.version}:${version.state}`)
    t.same(states, ['1:RETIRED', '2:RETIRED', '3:RETIRED', '4:ACTIVE'], `${name}: one version per due rotation`)
  }
  const audit = (await a.inject({ method: 'GET', url: '/apiops/projects/P/audit/?limit=1000', headers })).json().resultList as Array<{ actor: string }>
  t.equal(audit.filter(entry => entry.actor === 'scheduler').length, names.length * 6, 'one audit entry per change, whichever instance made it')
})

t.test('an instance killed in the middle of rotations: after a restart no version is lost or doubled, every key whole', async t => {
  const url = await cluster.createDatabase()
  const dir = t.testdir()
  const env = { JWKD_DATA_DIR: dir, JWKD_DATABASE_URL: url, JWKD_MASTER_KEY: masterKey, JWKD_POOL_SIZE: '2' }
  const first = await startServer(env)
  t.teardown(() => first.stop())
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(dir), 'utf8').trim()}`, 'content-type': 'application/json' }
  const call = async (base: string, method: string, path: string, body?: object): Promise<Response> =>
    await fetch(`${base}/apiops/projects/P/jwks/${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  t.equal(await runCli(['project', 'create', 'P'], { ...env }, { out: () => {}, err: () => {} }), 0)
  const names = ['r1', 'r2', 'r3', 'r4']
  for (const name of names) t.equal((await call(first.url, 'POST', 'generate', { name, type: 'EC', ec: { curveType: 'P256' } })).status, 200)

  // Acknowledged rotations per key; the kill lands while each client is mid-request.
  const acknowledged = new Map(names.map(name => [name, 0]))
  let killed = false
  let acks = 0
  await Promise.all(names.map(async name => {
    while (!killed) {
      try {
        const response = await call(first.url, 'POST', `${name}/rotate`, {})
        await response.arrayBuffer()
        if (response.status !== 200) continue
        acknowledged.set(name, acknowledged.get(name)! + 1)
        if (++acks === 12) {
          killed = true
          first.process.kill('SIGKILL')
        }
      } catch {
        return
      }
    }
  }))
  t.ok(killed, 'killed mid-burst')

  const second = await startServer(env)
  t.teardown(() => second.stop())
  const set = await (await fetch(`${second.url}/environments/production/projects/P/jwks.json`)).json() as { keys: Array<{ kid: string }> }
  for (const name of names) {
    const versions = await (await call(second.url, 'GET', `${name}/versions/`)).json() as { resultList: Version[] }
    const list = versions.resultList
    t.same(list.map(version => version.version), list.map((_, index) => index + 1), `${name}: versions numbered without a gap`)
    t.equal(list.filter(version => version.state === 'ACTIVE').length, 1, `${name}: exactly one current version`)
    t.ok(list.length - 1 >= acknowledged.get(name)!, `${name}: every acknowledged rotation is there (${acknowledged.get(name)} acknowledged, ${list.length - 1} made)`)
    t.ok(list.length - 1 <= acknowledged.get(name)! + 1, `${name}: at most the one in flight besides`)
    t.equal(new Set(list.map(version => version.kid)).size, list.length, `${name}: no kid doubled`)
    const detail = await (await call(second.url, 'GET', `${name}/`)).json() as { resultList: Array<{ kid: string, ec: { d?: string } }> }
    t.equal(detail.resultList[0]!.kid, list.find(version => version.state === 'ACTIVE')!.kid, `${name}: the key's body is its current version`)
    t.type(detail.resultList[0]!.ec.d, 'string', `${name}: whose private part opens`)
    t.ok(list.filter(version => version.state !== 'DESTROYED').every(version => set.keys.some(key => key.kid === version.kid)), `${name}: every version published after the restart's reconcile`)
  }
})
