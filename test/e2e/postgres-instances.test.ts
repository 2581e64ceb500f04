import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { startCluster } from '../helpers/postgres.js'
import { startServer, type RunningServer } from '../helpers/processes.js'

/**
 * jwkd instances on one PostgreSQL database, each a real server process on
 * its own port, over real HTTP: what one writes the other reads, names stay
 * unique across them, a token revoked through one is refused by the other,
 * and one killed or the database stopped loses no acknowledged key.
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
  JWKD_POOL_SIZE: '1',
  // Repairs of deploys the outage failed start soon after it, so the test waits less for them.
  JWKD_DEPLOY_RETRY_MS: '100'
})

async function instance (name: string, extra: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer({ ...env(name), ...extra })
  t.teardown(() => server.stop())
  return server
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

t.test('time-based kids made to collide across instances still get unique suffixes', async t => {
  // Every second of the next two minutes already names a key (an explicit kid), so each TIMESTAMP kid made meanwhile must take a suffix.
  const now = Math.floor(Date.now() / 1000)
  const seeded = Array.from({ length: 120 }, (_, index) => `sig-${now + index}`)
  for (const kid of seeded) {
    const response = await fetch(`${a.url}/apiops/projects/Shared/jwks/generate`, { method: 'POST', headers, body: JSON.stringify({ name: `seed-${kid}`, kid, type: 'OCT', oct: { keySize: 128 } }) })
    const body = await response.json() as { error_description?: string }
    // Taken either way: by this seed, or by a key an earlier test made in that second.
    t.ok(response.status === 200 || (response.status === 400 && body.error_description?.startsWith(`Key ID (kid: ${kid}) is already used`) === true), `${kid} taken`)
  }
  const names = Array.from({ length: 20 }, (_, index) => `timed-${index}`)
  const statuses = await Promise.all(names.map(async (name, index) => {
    const response = await fetch(`${(index % 2 === 0 ? a : b).url}/apiops/projects/Shared/jwks/generate`, { method: 'POST', headers, body: JSON.stringify({ name, type: 'OCT', oct: { keySize: 128 } }) })
    await response.arrayBuffer()
    return response.status
  }))
  t.same([...new Set(statuses)], [200])
  const kids = await Promise.all(names.map(async name => await kidOf(a.url, name)))
  t.equal(new Set([...kids, ...seeded]).size, kids.length + seeded.length, 'every kid distinct, from each other and from the seeded ones')
  const suffixed = kids.filter(kid => /^sig-\d+-\d+$/.test(kid) && seeded.includes(kid.replace(/-\d+$/, '')))
  t.ok(suffixed.length > 0, `${suffixed.length} of them met a taken kid and took a suffix`)
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

const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** Whether `name` reads back whole through `url`: 200 with its private part. */
async function whole (url: string, name: string): Promise<boolean> {
  const response = await fetch(`${url}/apiops/projects/Shared/jwks/${name}/`, { headers })
  const body = await response.json() as { resultList?: Array<{ ec?: { d?: string } }> }
  return response.status === 200 && typeof body.resultList?.[0]?.ec?.d === 'string'
}

async function kidOf (url: string, name: string): Promise<string> {
  const response = await fetch(`${url}/apiops/projects/Shared/jwks/${name}/?publicOnly=true`, { headers })
  return ((await response.json()) as { resultList: Array<{ kid: string }> }).resultList[0]!.kid
}

async function publishedKids (url: string): Promise<Set<string>> {
  const set = await (await fetch(`${url}/environments/production/projects/Shared/jwks.json`)).json() as { keys: Array<{ kid: string }> }
  return new Set(set.keys.map(key => key.kid))
}

/** Names that do not read back whole through `url`, or whose kid its public JWK Set lacks, each with what is wrong. */
async function notWholeAndPublished (url: string, names: string[]): Promise<string[]> {
  const published = await publishedKids(url)
  const missing: string[] = []
  for (const name of names) {
    if (!await whole(url, name)) missing.push(`${name}: not whole`)
    else if (!published.has(await kidOf(url, name))) missing.push(`${name}: not published`)
  }
  return missing
}

t.test('one instance SIGKILLed mid-burst: every acknowledged key is whole and deployed; the other answered every request', async t => {
  const doomed = await instance('k')
  const acknowledged: string[] = []
  const survivorStatuses: number[] = []
  let doomedAcks = 0
  let afterKill = 0
  let killed = false
  // Counts, not a window: the kill comes once the doomed instance has acknowledged 5 keys, the burst ends 10 survivor answers later.
  const client = async (id: number, via: 'a' | 'k'): Promise<void> => {
    for (let n = 0; via === 'a' ? afterKill < 10 : !killed; n++) {
      const name = `burst-${via}${id}-${n}`
      try {
        const response = await generate(via === 'a' ? a.url : doomed.url, name)
        await response.arrayBuffer()
        if (response.status === 200) acknowledged.push(name)
        if (via === 'a') {
          survivorStatuses.push(response.status)
          if (killed) afterKill++
        } else if (response.status === 200 && ++doomedAcks === 5) {
          killed = true
          doomed.process.kill('SIGKILL')
        }
      } catch {
        if (via === 'a') survivorStatuses.push(0)
        else return // its connection died with it
      }
    }
  }
  await Promise.all([0, 1, 2, 3].flatMap(id => [client(id, 'a'), client(id, 'k')]))
  t.ok(killed, 'the doomed instance was killed mid-burst')
  t.same([...new Set(survivorStatuses)], [200], `the other instance answered all ${survivorStatuses.length} of its requests with 200`)
  t.same(await notWholeAndPublished(a.url, acknowledged), [], `each of the ${acknowledged.length} acknowledged keys is whole and in the public JWK Set`)
  const restarted = await instance('k')
  t.same(await notWholeAndPublished(restarted.url, acknowledged), [], 'and so through the restarted instance')
})

t.test('PostgreSQL stopped for 10 s under load: 503 with Retry-After, never a 500; both serve again within 5 s of its return; every acknowledged key intact', async t => {
  interface Answer { status: number, retryAfter: string | null, error?: string, generated?: string, deployment?: string }
  const answers: Answer[] = []
  const stop = new AbortController()
  const client = async (id: number): Promise<void> => {
    for (let n = 0; !stop.signal.aborted; n++) {
      const url = id % 2 === 0 ? a.url : b.url
      const name = `outage-${id}-${n}`
      const generating = n % 2 === 0
      try {
        const response = generating ? await generate(url, name) : await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers })
        const body = await response.json() as { error?: string, deploymentResult?: { message: string } }
        answers.push({ status: response.status, retryAfter: response.headers.get('retry-after'), error: body.error, ...(generating ? { generated: name, deployment: body.deploymentResult?.message } : {}) })
        if (response.status !== 200) await sleep(50)
      } catch {
        answers.push({ status: 0, retryAfter: null })
      }
    }
  }
  const load = Promise.all([0, 1, 2, 3].map(client))
  while (answers.filter(answer => answer.status === 200).length < 10) await sleep(20)
  cluster.stop()
  try {
    await sleep(1000)
    for (const { url } of [a, b]) t.equal((await fetch(`${url}/ready`)).status, 503, 'not ready while the database is away')
    await sleep(9000)
  } finally {
    // Back whatever happened above: the tests after this one need it.
    cluster.start()
  }
  const returned = Date.now()
  for (const { url } of [a, b]) {
    let status = 0
    while (status !== 200 && Date.now() - returned < 5000) {
      status = (await fetch(`${url}/apiops/projects/Shared/jwks/`, { headers })).status
      if (status !== 200) await sleep(100)
    }
    t.equal(status, 200, 'serving again within 5 s')
    t.equal((await fetch(`${url}/ready`)).status, 200)
  }
  stop.abort()
  await load

  const statuses = new Set(answers.map(answer => answer.status))
  t.ok([...statuses].every(status => status === 200 || status === 503), `only 200s and 503s among ${answers.length} answers (saw ${[...statuses].join(', ')})`)
  const refused = answers.filter(answer => answer.status === 503)
  t.ok(refused.length > 0, `${refused.length} requests met the outage`)
  t.ok(refused.every(answer => answer.retryAfter === '5' && answer.error === 'service_unavailable'), 'each with Retry-After, in the Apinizer shape')
  const deployed = answers.filter(answer => answer.status === 200 && answer.deployment === 'Deployment completed successfully').map(answer => answer.generated!)
  t.same(await notWholeAndPublished(b.url, deployed), [], `each of the ${deployed.length} keys acknowledged as deployed is whole and published`)
  // A 200 whose deploy failed, or a 503 whose key committed before its deploy met the outage: stored whole, and published by a repair.
  const stored: string[] = []
  for (const { generated } of answers.filter(answer => answer.generated !== undefined && !deployed.includes(answer.generated))) {
    const response = await fetch(`${b.url}/apiops/projects/Shared/jwks/${generated!}/?publicOnly=true`, { headers })
    await response.arrayBuffer()
    if (response.status === 200) stored.push(generated!)
  }
  let unrepaired = await notWholeAndPublished(b.url, stored)
  while (unrepaired.length > 0 && unrepaired.every(entry => entry.endsWith(': not published'))) {
    await sleep(200)
    unrepaired = await notWholeAndPublished(b.url, stored)
  }
  t.same(unrepaired, [], `each of the ${stored.length} keys stored without a successful deploy is whole and, repaired, published`)
})

t.test('a master-key rotation with instances running: they follow it without a restart and every key opens', async t => {
  const kek = join(dirs, 'kek')
  writeFileSync(kek, masterKey + '\n', { mode: 0o600 })
  const fromFile = (name: string): Record<string, string> => {
    const { JWKD_MASTER_KEY: _fromEnv, ...rest } = env(name)
    return { ...rest, JWKD_MASTER_KEY_FILE: kek }
  }
  const servers = await Promise.all(['r1', 'r2'].map(async name => {
    const server = await startServer(fromFile(name))
    t.teardown(() => server.stop())
    return server
  }))
  const made: string[] = []
  const statuses: number[] = []
  const stop = new AbortController()
  const client = async (id: number): Promise<void> => {
    for (let n = 0; !stop.signal.aborted; n++) {
      const name = `rotating-${id}-${n}`
      const response = await generate(servers[id % 2]!.url, name)
      await response.arrayBuffer()
      statuses.push(response.status)
      if (response.status === 200) made.push(name)
    }
  }
  const load = Promise.all([0, 1, 2, 3].map(client))
  for (let rotation = 0; rotation < 2; rotation++) {
    while (made.length < 10 * (rotation + 1)) await sleep(20)
    t.equal(await runCli(['master-key', 'rotate'], fromFile('r1'), quiet), 0, `rotation ${rotation + 1} while both instances generate`)
  }
  const rotated = made.length
  while (made.length < rotated + 10) await sleep(20)
  stop.abort()
  await load
  t.not(readFileSync(kek, 'utf8').trim(), masterKey, 'the key file holds a new master key')
  t.same([...new Set(statuses)], [200], `all ${statuses.length} generates answered 200`)
  for (const server of servers) {
    const unreadable: string[] = []
    for (const name of made) if (!await whole(server.url, name)) unreadable.push(name)
    t.same(unreadable, [], `each of the ${made.length} keys opens through ${server.url}`)
  }
})
