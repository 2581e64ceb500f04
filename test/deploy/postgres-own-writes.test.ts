import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { startCluster } from '../helpers/postgres.js'

/**
 * An instance reads its own writes: the notification of its commit arrives
 * on the LISTEN connection whenever that backend gets to send it (on a busy
 * machine, after the next request), but the public JWK Set the instance
 * serves next already holds the key it just deployed. The listening backend
 * is stopped (SIGSTOP) for the write, so the late notification is forced,
 * not hoped for.
 */
const cluster = await startCluster(t)
const url = await cluster.createDatabase()
const dir = t.testdir({})

t.test('a key just generated is in the next public JWK Set this instance serves, however late its notification', async t => {
  const app = await buildApp(loadConfig({ JWKD_DATA_DIR: dir, JWKD_DATABASE_URL: url, JWKD_MASTER_KEY: randomBytes(32).toString('base64') }), { logger: false })
  t.teardown(() => app.close())
  await app.store.projects.create('P')
  await app.ready()
  const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(dir), 'utf8').trim()}` }
  const setKids = async (): Promise<string[]> =>
    (await app.inject({ method: 'GET', url: '/environments/production/projects/P/jwks.json' })).json().keys.map((key: { kid: string }) => key.kid)

  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(async () => { await admin.end() })
  const listeners = (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'")).rows
  t.equal(listeners.length, 1, 'the instance listens on one connection')
  const listener = listeners[0]!.pid

  t.same(await setKids(), [], 'the set is cached while empty')
  process.kill(listener, 'SIGSTOP')
  let published: string[]
  let kid: string
  try {
    const generated = await app.inject({ method: 'POST', url: '/apiops/projects/P/jwks/generate', headers, payload: { name: 'k', type: 'EC', ec: { curveType: 'P256', algorithm: 'ES256' } } })
    t.equal(generated.statusCode, 200, generated.body)
    kid = (await app.inject({ method: 'GET', url: '/apiops/projects/P/jwks/k/', headers })).json().resultList[0].kid
    published = await setKids()
  } finally {
    process.kill(listener, 'SIGCONT')
  }
  t.same(published, [kid], 'the key is published by the instance that made it at its next request')
})
