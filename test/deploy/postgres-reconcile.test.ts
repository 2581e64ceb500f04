import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { startCluster } from '../helpers/postgres.js'

/**
 * An instance reconciling while another deletes or generates a key: a
 * deleted key must not be put back after its undeploy, and a key deployed
 * meanwhile must not be taken for an orphan and removed. Open transactions
 * holding the rows the reconcile needs pause it at the point in question,
 * so each interleaving is forced, not hoped for.
 */
const cluster = await startCluster(t)
const url = await cluster.createDatabase()
const dirs = t.testdir({ a: {}, b: {} })
const masterKey = randomBytes(32).toString('base64')
const config = (name: string): ReturnType<typeof loadConfig> =>
  loadConfig({ JWKD_DATA_DIR: join(dirs, name), JWKD_DATABASE_URL: url, JWKD_MASTER_KEY: masterKey, JWKD_POOL_SIZE: '1' })
const connect = async (): Promise<pg.Client> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(async () => { await client.end() })
  return client
}
const until = async (condition: () => Promise<boolean>): Promise<void> => {
  while (!await condition()) await new Promise(resolve => setTimeout(resolve, 20))
}

t.test('a key deleted while another instance reconciles is in no environment afterwards', async t => {
  const a = await buildApp(config('a'), { logger: false })
  t.teardown(() => a.close())
  await a.store.projects.create('P')
  await a.ready()
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(join(dirs, 'a')), 'utf8').trim()}` }
  t.equal((await a.inject({ method: 'POST', url: '/apiops/projects/P/jwks/generate', headers, payload: { name: 'k', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  const key = (await a.store.jwks.findByName((await a.store.projects.findByName('P'))!.id, 'k'))!
  const production = (await a.store.environments.findByName('production'))!.id

  const admin = await connect()
  const waiting = async (pattern: string): Promise<boolean> =>
    ((await admin.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", [pattern])).rowCount ?? 0) > 0
  // Missing from production, so the next reconcile writes it there.
  await admin.query('DELETE FROM snapshots WHERE environment_id = $1 AND id = $2', [production, key.id])
  const holder = await connect()
  await holder.query('BEGIN')
  await holder.query('INSERT INTO snapshots (environment_id, id, project, revision, body) VALUES ($1, $2, \'P\', 0, \'{}\')', [production, key.id])

  // Its start-up reconcile runs when it gets ready.
  const starting = buildApp(config('b'), { logger: false }).then(async b => { await b.ready(); return b })
  await until(async () => await waiting('INSERT INTO snapshots%'))
  let deleted = false
  const deleting = a.inject({ method: 'DELETE', url: '/apiops/projects/P/jwks/k/', headers }).then(response => { deleted = true; return response })
  // With the keys share-locked the delete waits for the reconcile; without, it finishes now, undeploy and all.
  await until(async () => deleted || await waiting('%FROM jwks%'))
  await holder.query('ROLLBACK')
  const b = await starting
  t.teardown(() => b.close())
  t.equal((await deleting).statusCode, 200)
  t.same((await admin.query('SELECT environment_id FROM snapshots WHERE id = $1', [key.id])).rows, [], 'no environment holds the deleted key')
})

t.test('a key generated and deployed while another instance reconciles stays deployed', async t => {
  const a = await buildApp(config('a'), { logger: false })
  t.teardown(() => a.close())
  await a.ready()
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(join(dirs, 'a')), 'utf8').trim()}` }
  const generate = async (name: string): Promise<number> =>
    (await a.inject({ method: 'POST', url: '/apiops/projects/P/jwks/generate', headers, payload: { name, type: 'OCT', oct: { keySize: 128 } } })).statusCode
  t.equal(await generate('existing'), 200)

  const admin = await connect()
  // A row lock on a key pauses the reconcile's share-locked read of the keys, whose snapshot of the table is already taken.
  const holder = await connect()
  await holder.query('BEGIN')
  await holder.query('SELECT 1 FROM jwks WHERE name = $1 FOR UPDATE', ['existing'])
  const reconciling = buildApp(config('b'), { logger: false }).then(async b => { await b.ready(); return b })
  await until(async () => ((await admin.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR SHARE OF jwks%'")).rowCount ?? 0) > 0)
  t.equal(await generate('fresh'), 200, 'generated and deployed while the reconcile waits')
  const fresh = (await a.store.jwks.findByName((await a.store.projects.findByName('P'))!.id, 'fresh'))!
  await holder.query('ROLLBACK')
  const b = await reconciling
  t.teardown(() => b.close())
  t.equal((await admin.query('SELECT 1 FROM snapshots WHERE id = $1', [fresh.id])).rowCount, 1, 'still deployed')
})
