import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * The public JWK Set is built once per change of what is deployed, not per
 * request, and is never stale after a 200: generate, rename, delete, a key's
 * expiry and a new environment each show at once.
 */
let now = Date.parse('2026-06-01T00:00:00Z')
const { app, auth, dataDir } = await buildTestApp(t, { clock: () => new Date(now) })
const setUrl = (environment = 'production'): string => `/environments/${environment}/projects/${PROJECT}/jwks.json`

async function publicSet (environment = 'production'): Promise<{ kids: string[], etag: string }> {
  const response = await app.inject({ method: 'GET', url: setUrl(environment) })
  t.equal(response.statusCode, 200)
  // Keys of one notBefore come in id order: compare as sets.
  return { kids: response.json().keys.map((key: { kid: string }) => key.kid).sort(), etag: response.headers.etag as string }
}

async function generate (name: string, extra: object = {}): Promise<void> {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: 'EC', ec: { curveType: 'P256', ...extra }, kid: name } })
  t.equal(response.statusCode, 200, response.body)
}

t.test('one build per change: repeated requests get the same cached set', async t => {
  await generate('first')
  const a = await app.publicJwks.get('production', PROJECT)
  const b = await app.publicJwks.get('production', PROJECT)
  t.equal(a, b, 'the very same cached object, not a rebuild')
  const conditional = await app.inject({ method: 'GET', url: setUrl(), headers: { 'if-none-match': a.etag } })
  t.equal(conditional.statusCode, 304)
  t.equal(conditional.body, '')
  t.equal(conditional.headers.etag, a.etag)
  await generate('second')
  const c = await app.publicJwks.get('production', PROJECT)
  t.not(c, a, 'a deploy makes the next request rebuild')
  t.not(c.etag, a.etag)
  t.equal((await app.inject({ method: 'GET', url: setUrl(), headers: { 'if-none-match': a.etag } })).statusCode, 200, 'the old ETag no longer matches')
})

t.test('generate, rename and delete show in the very next request', async t => {
  const start = await publicSet()
  await generate('third')
  const afterGenerate = await publicSet()
  t.same(afterGenerate.kids, [...start.kids, 'third'].sort())
  t.equal((await app.inject({ method: 'PUT', url: jwkUrl('third'), headers: auth, payload: { name: 'third-renamed' } })).statusCode, 200)
  const afterRename = await publicSet()
  t.same(afterRename.kids, afterGenerate.kids, 'a rename leaves the published keys as they are')
  t.equal(afterRename.etag, afterGenerate.etag, 'and so the ETag')
  t.equal((await app.inject({ method: 'DELETE', url: jwkUrl('third-renamed'), headers: auth })).statusCode, 200)
  t.same((await publicSet()).kids, start.kids, 'a deleted key is gone at once')
})

t.test('a key leaves the set when it expires, with nothing deployed in between', async t => {
  await generate('short-lived', { notBeforeTime: new Date(now).toISOString(), expirationTime: new Date(now + 3_600_000).toISOString() })
  const before = await publicSet()
  t.ok(before.kids.includes('short-lived'))
  now += 3_600_000
  const after = await publicSet()
  t.notOk(after.kids.includes('short-lived'), 'expired: left out')
  t.not(after.etag, before.etag)
  t.equal((await app.inject({ method: 'GET', url: setUrl(), headers: { 'if-none-match': before.etag } })).statusCode, 200, 'the ETag of the set with it matches no more')
})

t.test('a new environment serves every key at once', async t => {
  t.equal((await app.inject({ method: 'GET', url: setUrl('qa') })).statusCode, 404)
  t.equal(await runCli(['env', 'create', 'qa'], dataEnv(dataDir), { out: () => {}, err: () => {} }), 0)
  t.same((await publicSet('qa')).kids, (await publicSet()).kids)
})

t.test('Cache-Control: the configured longest max-age, and shorter when a key expires sooner', async t => {
  const { app: short, auth: shortAuth } = await buildTestApp(t, { clock: () => new Date(now), env: { JWKD_JWKS_MAX_AGE: '5' } })
  const cacheControl = async (): Promise<string> => String((await short.inject({ method: 'GET', url: setUrl() })).headers['cache-control'])
  t.equal(await cacheControl(), 'public, max-age=5, must-revalidate', 'JWKD_JWKS_MAX_AGE=5')
  const expiring = new Date(now + 3000).toISOString()
  t.equal((await short.inject({ method: 'POST', url: generateUrl(), headers: shortAuth, payload: { name: 'soon', type: 'EC', ec: { curveType: 'P256', expirationTime: expiring, notBeforeTime: new Date(now - 1000).toISOString() } } })).statusCode, 200)
  t.equal(await cacheControl(), 'public, max-age=3, must-revalidate', 'not past the key\'s expiry')
  t.equal(String((await app.inject({ method: 'GET', url: setUrl() })).headers['cache-control']).match(/max-age=(\d+)/)![1], '60', 'the default elsewhere')
})
