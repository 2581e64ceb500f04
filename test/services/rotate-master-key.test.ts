import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { masterKeyPath } from '../../src/crypto/master-key.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { startServer } from '../helpers/processes.js'
import { deployedIn } from '../helpers/snapshots.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { adoptPendingKey, pendingKeyPath } from '../../src/services/vault.js'
import { cleanEnv } from '../../harness/processes.js'
import { dataEnv } from '../helpers/backend.js'

/** `jwkd master-key rotate`: every private key re-sealed at once, nothing lost, even when killed half-way. */
const quietIo = { out: () => {}, err: () => {} }

async function seed (app: Awaited<ReturnType<typeof buildTestApp>>, count: number): Promise<Map<string, string>> {
  const bodies = [{ type: 'RSA', rsa: { keySize: 2048 } }, { type: 'EC', ec: { curveType: 'P384' } }, { type: 'OKP', okp: { curveType: 'ED448' } }, { type: 'OCT', oct: { keySize: 256 } }]
  const before = new Map<string, string>()
  for (let index = 0; index < count; index++) {
    const name = `rot-${index}`
    t.equal((await app.app.inject({ method: 'POST', url: generateUrl(), headers: app.auth, payload: { name, ...bodies[index % bodies.length] } })).statusCode, 200)
  }
  for (let index = 0; index < count; index++) {
    const name = `rot-${index}`
    before.set(name, (await app.app.inject({ method: 'GET', url: jwkUrl(name), headers: app.auth })).body)
  }
  return before
}

t.test('rotation re-seals everything; a running server follows without a restart', async t => {
  const app = await buildTestApp(t, { environments: ['staging'] })
  const before = await seed(app, 8)
  const oldKey = readFileSync(masterKeyPath(app.dataDir), 'utf8')
  const oldBlobs = (await sqlOf(app.app).all('SELECT sealed_private FROM jwks ORDER BY name')).map(row => row.sealed_private)
  const out: string[] = []
  t.equal(await runCli(['master-key', 'rotate'], dataEnv(app.dataDir), { out: line => out.push(line), err: () => {} }), 0)
  t.same(out, ['8'], 'prints how many keys were re-sealed')
  t.not(readFileSync(masterKeyPath(app.dataDir), 'utf8'), oldKey, 'a new master key')
  t.notOk(existsSync(masterKeyPath(app.dataDir) + '.new'))
  const newBlobs = (await sqlOf(app.app).all('SELECT sealed_private FROM jwks ORDER BY name')).map(row => row.sealed_private)
  t.ok(newBlobs.every((blob, index) => blob !== oldBlobs[index]), 'every blob re-sealed')
  for (const [name, body] of before) {
    t.equal((await app.app.inject({ method: 'GET', url: jwkUrl(name), headers: app.auth })).body, body, `${name} unchanged, read by the running server`)
  }
  const record = (await app.app.store.jwks.findByName((await app.app.store.projects.findByName(PROJECT))!.id, 'rot-0'))!
  for (const environment of ['production', 'staging']) {
    t.equal(deployedIn(app.dataDir, environment).get(record.id)?.sealedPrivate, record.sealedPrivate, `${environment} snapshot re-sealed`)
  }
  t.equal((await app.app.inject({ method: 'POST', url: generateUrl(), headers: app.auth, payload: { name: 'after', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200, 'new keys are sealed under the new key')
  await app.app.close()
  const restarted = await buildTestApp(t, { dataDir: app.dataDir })
  for (const [name, body] of before) t.equal((await restarted.app.inject({ method: 'GET', url: jwkUrl(name), headers: restarted.auth })).body, body)
  t.equal((await restarted.app.inject({ method: 'GET', url: jwkUrl('after'), headers: restarted.auth })).statusCode, 200)
})

t.test('a key from JWKD_MASTER_KEY cannot be rotated', async t => {
  const key = Buffer.alloc(32, 7).toString('base64')
  const app = await buildTestApp(t, { env: { JWKD_MASTER_KEY: key } })
  const err: string[] = []
  t.equal(await runCli(['master-key', 'rotate'], { ...dataEnv(app.dataDir), JWKD_MASTER_KEY: key }, { out: () => {}, err: line => err.push(line) }), 1)
  t.match(err[0], /JWKD_MASTER_KEY, which jwkd cannot rewrite/)
  t.equal(await runCli(['master-key', 'spin'], dataEnv(app.dataDir), quietIo), 2)
})

t.test('killed at any moment, a rotation leaves every key readable', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir })
  const before = await seed(first, 60)
  await first.app.close()
  for (const delay of [150, 300, 450, 600, 750, 900, 1100, 1400]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'master-key', 'rotate'], { env: cleanEnv(dataEnv(dataDir)), stdio: 'ignore' })
    const exited = once(child, 'exit') // listening from the start: a fast rotation may finish before the kill
    await new Promise(resolve => setTimeout(resolve, delay))
    child.kill('SIGKILL')
    await exited
    const app = await buildTestApp(t, { dataDir })
    for (const [name, body] of before) {
      const response = await app.app.inject({ method: 'GET', url: jwkUrl(name), headers: app.auth })
      if (response.body !== body) t.fail(`${name} changed after a kill at ${delay} ms`)
    }
    t.pass(`killed at ${delay} ms: all ${before.size} keys read back identical`)
    t.same(readdirSync(dataDir).filter(file => file.includes('.tmp-')), [], 'no temp key file left')
    await app.app.close()
  }
  t.ok(existsSync(join(dataDir, 'master.key')))
})

t.test('a start removes the temp files a killed key write left behind', async t => {
  const dataDir = t.testdir()
  await (await buildTestApp(t, { dataDir })).app.close()
  const abandoned = ['master.key.tmp-0a1b2c3d4e5f', 'master.key.new.tmp-0a1b2c3d4e5f']
  for (const file of abandoned) writeFileSync(join(dataDir, file), 'half a key')
  writeFileSync(join(dataDir, 'unrelated.tmp-0a1b2c3d4e5f'), 'not ours')
  const again = await buildTestApp(t, { dataDir })
  t.same(readdirSync(dataDir).filter(file => file.includes('.tmp-')), ['unrelated.tmp-0a1b2c3d4e5f'], 'only the key files\' temps are removed')
  await again.app.close()
})

interface LoadTarget {
  /** makes one resource called `name` through the API */
  create: (url: string, headers: Record<string, string>, name: string) => Promise<Response>
  /** whether its private part opens: the answer of its get */
  opens: (url: string, headers: Record<string, string>, name: string) => Promise<boolean>
}

/**
 * 20 clients make resources while rotations commit: some of them are between
 * their seal and their commit whenever one does. Rotations go on until at
 * least 3 ran and more than 100 resources were made (a count, not a window).
 */
async function rotateUnderLoad (t: Test, target: LoadTarget): Promise<void> {
  const dataDir = t.testdir()
  t.equal(await runCli(['project', 'create', PROJECT], dataEnv(dataDir), quietIo), 0)
  const server = await startServer(dataEnv(dataDir))
  t.teardown(() => server.stop())
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(dataDir), 'utf8').trim()}`, 'content-type': 'application/json' }
  const made: string[] = []
  const refused: number[] = []
  const stop = new AbortController()
  const client = async (id: number): Promise<void> => {
    for (let count = 0; !stop.signal.aborted; count++) {
      const name = `c${id}-${count}`
      const response = await target.create(server.url, headers, name)
      await response.arrayBuffer()
      if (response.status === 200) made.push(name)
      else refused.push(response.status)
    }
  }
  const load = Promise.all(Array.from({ length: 20 }, (_, id) => client(id)))
  // Refusals end it early: they fail the test below, and no count would be reached.
  for (let rotation = 0; rotation < 3 || (made.length <= 100 && refused.length === 0); rotation++) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'master-key', 'rotate'], { env: cleanEnv(dataEnv(dataDir)), stdio: 'ignore' })
    const [code] = await once(child, 'exit')
    t.equal(code, 0, `rotation ${rotation + 1} done while the clients were making`)
  }
  stop.abort()
  await load
  t.same(refused, [], 'every request answered 200')
  if (refused.length > 0) t.comment(server.output().split('\n').filter(line => line.includes('"level":50')).slice(0, 3).join('\n'))
  const unreadable: string[] = []
  for (const name of made) if (!await target.opens(server.url, headers, name)) unreadable.push(name)
  t.same(unreadable, [], `each of the ${made.length} private parts opens under the master key in force`)
}

t.test('keys generated while rotations commit are all readable afterwards', async t => {
  await rotateUnderLoad(t, {
    create: async (url, headers, name) => await fetch(url + generateUrl(), { method: 'POST', headers, body: JSON.stringify({ name, type: 'EC', ec: { curveType: 'P256' } }) }),
    opens: async (url, headers, name) => {
      const response = await fetch(url + jwkUrl(name), { headers })
      const body = await response.json() as { resultList?: Array<{ ec: { d?: unknown } }> }
      return response.status === 200 && typeof body.resultList?.[0]?.ec.d === 'string'
    }
  })
})

t.test('stored keys created while rotations commit are all readable afterwards', async t => {
  const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
  // Key files are read in a worker before they are sealed: a rotation can commit while a create waits there.
  await rotateUnderLoad(t, {
    create: async (url, headers, name) => await fetch(`${url}/apiops/projects/${PROJECT}/keys/`, {
      method: 'POST', headers, body: JSON.stringify({ name, cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', privateKey }] })
    }),
    opens: async (url, headers, name) => {
      const response = await fetch(`${url}/apiops/projects/${PROJECT}/keys/${name}/`, { headers })
      const body = await response.json() as { resultList?: Array<{ cryptoKeyInfoEnvironmentList: Array<{ privateKey?: unknown }> }> }
      return response.status === 200 && typeof body.resultList?.[0]?.cryptoKeyInfoEnvironmentList[0]?.privateKey === 'string'
    }
  })
})

t.test('the CLI and a running server may both finish one rotation: the second finds the work done', async t => {
  const dir = t.testdir()
  const path = join(dir, 'master.key')
  const [oldKey, newKey] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)]
  writeFileSync(path, oldKey.toString('base64') + '\n')
  writeFileSync(pendingKeyPath(path), newKey.toString('base64') + '\n')
  adoptPendingKey(path, newKey)
  t.doesNotThrow(() => adoptPendingKey(path, newKey), 'the second to adopt the same key finds it in place')
  t.equal(readFileSync(path, 'utf8').trim(), newKey.toString('base64'))
  t.throws(() => adoptPendingKey(path, oldKey), { code: 'ENOENT' }, 'a key file holding another key is not taken for done')
})
