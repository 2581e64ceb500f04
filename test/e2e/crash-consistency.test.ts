import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { runCliProcess, startServer } from '../helpers/processes.js'
import { deployedIn, environmentFiles } from '../helpers/snapshots.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * SIGKILL in the middle of a burst of generations, then a restart on the
 * same data directory: every key that got a 200 is there, byte-identical
 * where it was read before the kill, deployed in every environment; no temp
 * or orphan snapshot; every stored key is whole; the server starts cleanly.
 */
const bodies = [
  { type: 'RSA', rsa: { keySize: 4096 } },
  { type: 'EC', ec: { curveType: 'P256' } },
  { type: 'OKP', okp: { curveType: 'ED25519' } },
  { type: 'OCT', oct: { keySize: 256 } },
  { type: 'RSA', rsa: { keySize: 2048 } },
  { type: 'EC', ec: { curveType: 'SECP256K1' } }
]

async function crashRun (t: Test, environments: string[], killAfterAcknowledged: number): Promise<void> {
  const dataDir = t.testdir()
  const env = dataEnv(dataDir)
  t.equal(runCliProcess(['project', 'create', 'Crash'], env).status, 0)
  for (const environment of environments) t.equal(runCliProcess(['env', 'create', environment], env).status, 0)
  const server = await startServer(env)
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(dataDir), 'utf8').trim()}`, 'content-type': 'application/json' }
  const api = `${server.url}/apiops/projects/Crash/jwks`

  const acknowledged = new Map<string, string | undefined>()
  // The kill lands after a few answers, while the rest of the burst is in flight, however fast this machine is today.
  let enough: () => void = () => {}
  const enoughAcknowledged = new Promise<void>(resolve => { enough = resolve })
  const burst = Array.from({ length: 120 }, async (_, index) => {
    const name = `burst-${index}`
    try {
      const response = await fetch(`${api}/generate`, { method: 'POST', headers, body: JSON.stringify({ name, ...bodies[index % bodies.length] }) })
      if (response.status !== 200) return
      acknowledged.set(name, undefined)
      if (acknowledged.size >= killAfterAcknowledged) enough()
      const read = await fetch(`${api}/${name}/`, { headers })
      if (read.status === 200) acknowledged.set(name, await read.text())
    } catch {
      // the kill cut this request off: it was never acknowledged
    }
  })
  await enoughAcknowledged
  await server.stop('SIGKILL')
  await Promise.all(burst)
  t.ok(acknowledged.size >= killAfterAcknowledged && acknowledged.size < 120, `killed after ${acknowledged.size} of 120 generations were acknowledged`)

  // Before any repair: a 200 was sent only once every environment had the key.
  for (const environment of ['production', ...environments]) {
    const names = new Set([...deployedIn(dataDir, environment).values()].map(snapshot => snapshot.name))
    const missing = [...acknowledged.keys()].filter(name => !names.has(name))
    t.same(missing, [], `${environment}: every acknowledged key was deployed before the kill`)
  }

  const restarted = await startServer(env)
  t.teardown(() => restarted.stop())
  for (const [name, before] of acknowledged) {
    const response = await fetch(`${restarted.url}/apiops/projects/Crash/jwks/${name}/`, { headers })
    t.equal(response.status, 200, `${name} survived`)
    const text = await response.text()
    if (before !== undefined) t.equal(text, before, `${name} byte-identical`)
  }
  const list = (await (await fetch(`${api.replace(server.url, restarted.url)}/`, { headers })).json() as { resultList: Array<{ name: string }> }).resultList
  for (const { name } of list) {
    t.equal((await fetch(`${restarted.url}/apiops/projects/Crash/jwks/${name}/`, { headers })).status, 200, `${name} (stored, maybe unacknowledged) is whole`)
  }
  await restarted.stop()

  // On disk, after the restart's reconcile: one snapshot per key per environment, nothing else.
  const store = SqliteStore.open(dataDir)
  const ids = (await store.jwks.listAll()).map(record => record.id).sort()
  await store.close()
  for (const environment of ['production', ...environments]) {
    t.same([...deployedIn(dataDir, environment).keys()].sort(), ids, `${environment}: exactly the stored keys`)
    const strays = environmentFiles(dataDir, environment).filter(path => !/\/snapshots-[0-9a-f-]+\.db(-wal|-shm)?$/.test(path))
    t.same(strays, [], `${environment}: nothing but its snapshot database`)
  }
}

t.test('killed mid-burst', async t => crashRun(t, ['staging'], 10))
t.test('killed mid-burst while deploying to many environments', async t => crashRun(t, ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'], 5))
