import { SignJWT, createLocalJWKSet, importJWK, jwtVerify, type JSONWebKeySet } from 'jose'
import t from 'tap'
import { PROJECT, SUCCESS_BODY, buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { runCli } from '../../src/cli/run-cli.js'
import { atRest } from '../helpers/at-rest.js'
import { dataEnv } from '../helpers/backend.js'
import { freshPrivateJwk } from '../helpers/keys.js'

const HOUR = 3_600_000
let now = Date.parse('2032-03-01T00:00:00.000Z')
const { app, auth, dataDir } = await buildTestApp(t, { clock: () => new Date(now), env: { JWKD_ROTATION_CHECK_MS: '0' } })
const setUrl = `/environments/production/projects/${PROJECT}/jwks.json`

interface Version { version: number, kid: string, state: string, verifyUntil: string | null, activatesAt: string | null, jwk: Record<string, unknown> | null }
const versions = async (name: string): Promise<Version[]> => {
  const response = await app.inject({ method: 'GET', url: `${jwkUrl(name)}versions/`, headers: auth })
  return response.json().resultList
}
const publishedKids = async (): Promise<string[]> => ((await app.inject({ method: 'GET', url: setUrl })).json() as JSONWebKeySet).keys.map(key => key.kid!).sort()
const post = async (url: string, payload: object = {}): Promise<{ statusCode: number, json: () => any, body: string }> =>
  await app.inject({ method: 'POST', url, headers: auth, payload })
const generate = async (name: string, parameters: object = {}, extra: object = {}): Promise<void> => {
  const response = await post(generateUrl(), { name, type: 'EC', ...extra, ec: { curveType: 'P256', algorithm: 'ES256', ...parameters } })
  if (response.statusCode !== 200) throw new Error(response.body)
}

t.test('a key that never rotated: one ACTIVE version, read from its own row; nothing stored for it', async t => {
  await generate('plain')
  const [only, ...others] = await versions('plain')
  t.same(others, [])
  t.match(only, { version: 1, state: 'ACTIVE', verifyUntil: null })
  t.equal(only!.kid, (await app.inject({ method: 'GET', url: jwkUrl('plain'), headers: auth })).json().resultList[0].kid)
  t.equal(only!.jwk!.d, undefined, 'no private member')
  t.same(await sqlOf(app).all('SELECT version FROM jwk_versions'), [], 'no version rows for a key that never rotated')
})

t.test('rotate now: a new current version deployed before the answer; the old one verifies for verificationTtl, then leaves the set', async t => {
  await generate('signer')
  const before = (await app.inject({ method: 'GET', url: jwkUrl('signer'), headers: auth })).json().resultList[0]
  const oldToken = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: before.kid }).sign(await importJWK(before.ec, 'ES256'))

  now += 1000
  const rotated = await post(`${jwkUrl('signer')}rotate`, { verificationTtl: 'PT2H' })
  t.equal(rotated.statusCode, 200, rotated.body)
  t.same(rotated.json(), SUCCESS_BODY(['production']), 'the same deploy-result body as generate')
  const after = (await app.inject({ method: 'GET', url: jwkUrl('signer'), headers: auth })).json().resultList[0]
  t.not(after.kid, before.kid, 'the key\'s body shows the new current version')
  t.not(after.ec.d, before.ec.d, 'with new material')
  t.same(Object.keys(after).sort(), Object.keys(before).sort(), 'and the same members as before')
  const [v1, v2] = await versions('signer')
  t.match(v1, { version: 1, kid: before.kid, state: 'RETIRED', verifyUntil: new Date(now + 2 * HOUR).toISOString() })
  t.match(v2, { version: 2, kid: after.kid, state: 'ACTIVE' })
  t.ok((await publishedKids()).includes(before.kid) && (await publishedKids()).includes(after.kid), 'both in the public set')

  const verifies = async (): Promise<boolean> => {
    const set = (await app.inject({ method: 'GET', url: setUrl })).json() as JSONWebKeySet
    return await jwtVerify(oldToken, createLocalJWKSet(set)).then(() => true, () => false)
  }
  t.ok(await verifies(), 'a token the old version signed still verifies')
  const cacheControl = (await app.inject({ method: 'GET', url: setUrl })).headers['cache-control']
  now += 2 * HOUR - 10_000
  t.match((await app.inject({ method: 'GET', url: setUrl })).headers['cache-control'], /max-age=10,/, `max-age stops at the retired version's end (was ${String(cacheControl)})`)
  t.ok(await verifies(), '10 s before its verifyUntil')
  now += 10_000
  t.notOk(await verifies(), 'not at its verifyUntil')
  t.notOk((await publishedKids()).includes(before.kid))

  const atRestNow = await atRest(dataDir)
  t.notOk(atRestNow.includes(String(before.ec.d)), 'the retired version\'s private part is sealed at rest')
  t.notOk(atRestNow.includes(String(after.ec.d)), 'so is the current one\'s')
})

t.test('state moves: disable, enable, destroy; every impossible one is a 400 in the Apinizer shape', async t => {
  await generate('states')
  const original = (await versions('states'))[0]!.kid
  now += 1000
  const bare = await app.inject({ method: 'POST', url: `${jwkUrl('states')}rotate`, headers: auth })
  t.equal(bare.statusCode, 200, `a bare POST, no body at all, rotates (${bare.body})`)
  const current = (await versions('states'))[1]!.kid
  const act = async (kid: string, action: string): Promise<{ statusCode: number, json: () => any }> => await post(`${jwkUrl('states')}versions/${encodeURIComponent(kid)}/${action}`)
  const refusals: Array<[string, string, RegExp]> = [
    [current, 'destroy', /current version; rotate the key first/],
    [current, 'disable', /current version; rotate the key first/],
    [current, 'enable', /current version, already enabled/],
    [original, 'enable', /RETIRED, not DISABLED/],
    ['no-such-kid', 'disable', /has no version with kid no-such-kid/]
  ]
  for (const [kid, action, message] of refusals) {
    const response = await act(kid, action)
    t.equal(response.statusCode, 400, `${action} ${kid === current ? 'the current version' : kid}`)
    t.same(Object.keys(response.json()).sort(), ['error', 'error_description'])
    t.match(response.json().error_description, message)
  }
  t.equal((await act(original, 'disable')).statusCode, 200, 'disable a retired version')
  t.notOk((await publishedKids()).includes(original), 'a disabled version is not published')
  t.match((await act(original, 'disable')).json().error_description, /DISABLED, not RETIRED/)
  t.equal((await act(original, 'enable')).statusCode, 200, 'enable it again')
  t.ok((await publishedKids()).includes(original), 'published again until its verifyUntil')
  t.equal((await act(original, 'destroy')).statusCode, 200, 'destroy it')
  t.notOk((await publishedKids()).includes(original))
  for (const action of ['enable', 'disable', 'destroy']) {
    t.match((await act(original, action)).json().error_description, /destroyed; its material is gone for good/, `${action} a destroyed version`)
  }
  const destroyed = (await versions('states'))[0]!
  t.match(destroyed, { state: 'DESTROYED', kid: original, jwk: null }, 'a tombstone: kid and state, no material')
  t.same(await sqlOf(app).all('SELECT sealed_private, public_jwk FROM jwk_versions WHERE kid = ?', original), [{ sealed_private: null, public_jwk: null }], 'erased in the database')

  // A destroyed kid is never given again, not to this key and not to another.
  const reuse = await post(generateUrl(), { name: 'reuser', type: 'EC', kid: original, ec: { curveType: 'P256' } })
  t.equal(reuse.statusCode, 400)
  t.match(reuse.json().error_description, `Key ID (kid: ${original}) is already used by JWK (name: states)`)
  const audit = (await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit/`, headers: auth })).json().resultList as Array<{ action: string, kid: string, outcome: string }>
  t.same(audit.filter(entry => entry.kid === original && entry.action.startsWith('jwk.version.') && entry.outcome === 'success').map(entry => entry.action),
    ['jwk.version.disable', 'jwk.version.enable', 'jwk.version.destroy'], 'each state change audited')
})

t.test('which keys can rotate, and how their next kid is made', async t => {
  const imported = await post(`/apiops/projects/${PROJECT}/jwks/`, { name: 'imported', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify({ ...freshPrivateJwk('ec', { namedCurve: 'P-256' }), kid: 'imported-kid' }) })
  t.equal(imported.statusCode, 200, imported.body)
  const refusedImport = await post(`${jwkUrl('imported')}rotate`)
  t.equal(refusedImport.statusCode, 400)
  t.match(refusedImport.json().error_description, /was imported \(COPY_PASTE\): jwkd cannot make new material for it/)

  await generate('explicit', {}, { kid: 'explicit-1' })
  t.match((await post(`${jwkUrl('explicit')}rotate`)).json().error_description, /send the new version's kid in "kid"/, 'a request-given kid needs one in the rotate body')
  t.match((await post(`${jwkUrl('explicit')}rotate`, { kid: 'explicit-1' })).json().error_description, /explicit-1\) is already used by JWK \(name: explicit\)/, 'not its own current kid')
  t.equal((await post(`${jwkUrl('explicit')}rotate`, { kid: 'explicit-2' })).statusCode, 200)
  t.match((await post(`${jwkUrl('explicit')}rotate`, { kid: 'explicit-1' })).json().error_description, /explicit-1\) is already used/, 'nor a retired one')
  t.same((await versions('explicit')).map(version => version.kid), ['explicit-1', 'explicit-2'])

  await generate('hashed', { keyIdType: 'THUMBPRINT' })
  t.equal((await post(`${jwkUrl('hashed')}rotate`)).statusCode, 200)
  const [first, second] = await versions('hashed')
  t.equal(second!.kid, second!.jwk!.kid, 'a THUMBPRINT kid is the new material\'s')
  t.not(second!.kid, first!.kid)

  await generate('timed', { keyIdType: 'TIMESTAMP' })
  t.equal((await post(`${jwkUrl('timed')}rotate`)).statusCode, 200)
  t.equal((await post(`${jwkUrl('timed')}rotate`)).statusCode, 200, 'twice in the same second')
  const timed = (await versions('timed')).map(version => version.kid)
  t.equal(new Set(timed).size, 3, `three TIMESTAMP kids, each free (${timed.join(', ')})`)

  // Another key made in that same second: the kids the versions hold are taken too.
  await generate('same-second', { keyIdType: 'TIMESTAMP' })
  const sameSecond = (await versions('same-second'))[0]!.kid
  t.notOk(timed.includes(sameSecond), `a new key's TIMESTAMP kid (${sameSecond}) is none of the versions' (${timed.join(', ')})`)

  await generate('kidless', { keyIdType: 'NONE' })
  t.match((await post(`${jwkUrl('kidless')}rotate`)).json().error_description, /has no kid: verifiers could not tell its versions apart/)
  t.match((await post(`${jwkUrl('nothing')}rotate`)).json().error_description, /JWK \(name: nothing\) is not found!/)
})

t.test('a rotation policy is strictly validated on generate', async t => {
  const cases: Array<[object, object, RegExp]> = [
    [{ rotation: { period: 'PT30S' } }, {}, /ec.rotation.period \(PT30S\) must be at least PT1M/],
    [{ rotation: { period: 'P1D', publishAhead: 'P1D' } }, {}, /publishAhead \(P1D\) must be shorter than ec.rotation.period/],
    [{ rotation: { period: 'P1D', verificationTtl: 'P0D' } }, {}, /verificationTtl must be longer than zero/],
    [{ rotation: { period: '30 days' } }, {}, /period/],
    [{ rotation: { period: 'P1D', every: 'P1D' } }, {}, /every/],
    [{ rotation: { period: 'P1D', retain: 0 } }, {}, /retain/],
    [{ rotation: {} }, {}, /period/],
    [{ rotation: { period: 'P1D' } }, { kid: 'given' }, /a key whose kid the request gives cannot rotate on its own/],
    [{ rotation: { period: 'P1D' }, keyIdType: 'NONE' }, {}, /keyIdType NONE\) cannot have versions/]
  ]
  for (const [parameters, extra, message] of cases) {
    const response = await post(generateUrl(), { name: 'refused-policy', type: 'EC', ...extra, ec: { curveType: 'P256', ...parameters } })
    t.equal(response.statusCode, 400, JSON.stringify(parameters))
    t.match(response.json().error_description, message)
  }
  t.match((await app.inject({ method: 'GET', url: jwkUrl('refused-policy'), headers: auth })).json().error_description, /not found/, 'nothing stored')
})

t.test('keep the last N: retired versions beyond retain are destroyed once they stop verifying', async t => {
  await generate('kept', { rotation: { period: 'P1D', publishAhead: 'PT1H', verificationTtl: 'PT2H', retain: 1 } })
  for (let hour = 0; hour < 24 * 4; hour++) {
    now += HOUR
    await app.scheduler.tick()
  }
  // Each version is current a day (published an hour ahead) and retired ones verify 2 h; with retain 1, a
  // retired version goes once the next one retires and its 2 h are over: at hours 48, 72 and 96.
  t.same((await versions('kept')).map(version => `${version.version}:${version.state}`), ['1:DESTROYED', '2:DESTROYED', '3:DESTROYED', '4:RETIRED', '5:ACTIVE'], 'after four days')
  t.same(await sqlOf(app).all('SELECT count(*) AS n FROM jwk_versions WHERE state = \'DESTROYED\' AND (sealed_private IS NOT NULL OR public_jwk IS NOT NULL)'), [{ n: 0 }], 'destroyed material erased')
})

t.test('a policy set, changed and removed with PUT', async t => {
  await generate('later')
  const put = async (name: string, payload: object): Promise<{ statusCode: number, json: () => any, body: string }> =>
    await app.inject({ method: 'PUT', url: jwkUrl(name), headers: auth, payload })
  const set = await put('later', { rotation: { period: 'PT6H', publishAhead: 'PT1H' } })
  t.equal(set.statusCode, 200, set.body)
  t.same(set.json(), SUCCESS_BODY(['production']))
  now += 5 * HOUR
  await app.scheduler.tick()
  t.same((await versions('later')).map(version => version.state), ['ACTIVE', 'PENDING'], 'an hour before the period ends, the next version is published')
  const pending = (await versions('later'))[1]!
  t.ok((await publishedKids()).includes(pending.kid), 'published ahead')
  const pendingRefusal = await post(`${jwkUrl('later')}versions/${pending.kid}/disable`)
  t.match(pendingRefusal.json().error_description, /next current version; change or remove the rotation policy instead/)
  t.equal((await put('later', { rotation: null })).statusCode, 200, 'the policy removed')
  now += HOUR
  await app.scheduler.tick()
  t.same((await versions('later')).map(version => version.state), ['RETIRED', 'ACTIVE'], 'a version already published ahead still becomes current at its time')
  now += 30 * 24 * HOUR
  await app.scheduler.tick()
  t.same((await versions('later')).map(version => version.state), ['RETIRED', 'ACTIVE'], 'and then nothing more happens to it on its own')

  t.match((await put('imported', { rotation: { period: 'P1D' } })).json().error_description, /was imported/)
  t.match((await put('explicit', { rotation: { period: 'P1D' } })).json().error_description, /a key with a kid given by the request cannot rotate on its own/)
  t.match((await put('later', { rotation: { period: 'P1D', publishAhead: 'P2D' } })).json().error_description, /rotation.publishAhead \(P2D\) must be shorter than rotation.period/)
})

t.test('rotate now with a version published ahead makes that one current', async t => {
  await generate('ahead', { rotation: { period: 'P2D', publishAhead: 'P1D' } })
  now += 24 * HOUR
  await app.scheduler.tick()
  const pending = (await versions('ahead')).find(version => version.state === 'PENDING')!
  t.match((await post(`${jwkUrl('ahead')}rotate`, { kid: 'chosen' })).json().error_description, /has a version published ahead/)
  t.equal((await post(`${jwkUrl('ahead')}rotate`)).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('ahead'), headers: auth })).json().resultList[0].kid, pending.kid, 'the one verifiers already had')
  const current = (await app.inject({ method: 'GET', url: jwkUrl('ahead'), headers: auth })).json().resultList[0]
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: current.kid }).sign(await importJWK(current.ec, 'ES256'))
  const set = (await app.inject({ method: 'GET', url: setUrl })).json() as JSONWebKeySet
  t.ok(await jwtVerify(token, createLocalJWKSet(set)).then(() => true), 'its private part (sealed under the version, moved to the key) signs what the set verifies')
})

t.test('metrics: versions by state, and the seconds until each scheduled key\'s next change and expiry', async t => {
  const metric = async (pattern: RegExp): Promise<string[]> =>
    (await app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter(line => pattern.test(line))
  const versionRows = await sqlOf(app).all('SELECT state, count(*) AS n FROM jwk_versions GROUP BY state') as Array<{ state: string, n: number | string }>
  const unversioned = await sqlOf(app).all('SELECT count(*) AS n FROM jwks WHERE id NOT IN (SELECT jwk_id FROM jwk_versions)') as Array<{ n: number | string }>
  const expected = new Map(['PENDING', 'ACTIVE', 'RETIRED', 'DISABLED', 'DESTROYED'].map(state => [state, Number(versionRows.find(row => row.state === state)?.n ?? 0)]))
  expected.set('ACTIVE', expected.get('ACTIVE')! + Number(unversioned[0]!.n))
  t.same(await metric(/^jwkd_jwk_versions\{/), [...expected].map(([state, n]) => `jwkd_jwk_versions{state="${state}"} ${n}`), 'each state counted as the tables hold it')
  t.ok(expected.get('RETIRED')! > 0 && expected.get('DESTROYED')! > 0, 'the earlier tests left retired and destroyed versions')

  await generate('watched', { rotation: { period: 'P10D', publishAhead: 'P1D' } })
  const kid = (await versions('watched'))[0]!.kid
  t.same(await metric(new RegExp(`^jwkd_jwk_next_rotation_event_seconds\\{kid="${kid}"\\}`)), [`jwkd_jwk_next_rotation_event_seconds{kid="${kid}"} ${9 * 86_400}`], 'nine days until its next version is published')
  const expires = Date.parse((await app.inject({ method: 'GET', url: jwkUrl('watched'), headers: auth })).json().resultList[0].expirationTime)
  t.same(await metric(new RegExp(`^jwkd_jwk_expiry_seconds\\{kid="${kid}"\\}`)), [`jwkd_jwk_expiry_seconds{kid="${kid}"} ${(expires - now) / 1000}`], 'and until it expires')
  const scheduled = (await sqlOf(app).all('SELECT kid FROM jwks WHERE rotation IS NOT NULL AND next_event_at IS NOT NULL') as Array<{ kid: string }>).map(row => row.kid).sort()
  const gauged = (await metric(/^jwkd_jwk_next_rotation_event_seconds\{/)).map(line => /kid="([^"]*)"/.exec(line)![1]).sort()
  t.same(gauged, scheduled, `exactly the ${scheduled.length} keys with a schedule, by kid`)
})

t.test('deleting a key deletes its versions: no retired material lingers', async t => {
  const id = (await sqlOf(app).all('SELECT id FROM jwks WHERE name = ?', 'signer') as Array<{ id: string }>)[0]!.id
  const sealed = (await sqlOf(app).all('SELECT sealed_private FROM jwk_versions WHERE jwk_id = ? AND sealed_private IS NOT NULL', id) as Array<{ sealed_private: string }>).map(row => row.sealed_private)
  t.equal(sealed.length, 1, 'the retired version\'s sealed private part, before')
  t.equal((await app.inject({ method: 'DELETE', url: jwkUrl('signer'), headers: auth })).statusCode, 200)
  t.same(await sqlOf(app).all('SELECT version FROM jwk_versions WHERE jwk_id = ?', id), [], 'its version rows are gone')
  t.notOk((await atRest(dataDir)).includes(sealed[0]!), 'and the sealed blob is in no file (or dump) any more')
})

t.test('a master-key rotation re-seals the versions published ahead: one still becomes current afterwards', async t => {
  await generate('resealed', { rotation: { period: 'P2D', publishAhead: 'P1D' } })
  now += 24 * HOUR
  await app.scheduler.tick()
  const pending = (await versions('resealed')).find(version => version.state === 'PENDING')!
  t.ok(pending, 'a version waits, its private part sealed under the version')
  t.equal(await runCli(['master-key', 'rotate'], dataEnv(dataDir), { out: () => {}, err: () => {} }), 0)
  now += 24 * HOUR
  await app.scheduler.tick()
  t.same((await versions('resealed')).map(version => version.state), ['RETIRED', 'ACTIVE'], 'it became current: its blob opened under the new master key')
  const current = (await app.inject({ method: 'GET', url: jwkUrl('resealed'), headers: auth })).json().resultList[0]
  t.equal(current.kid, pending.kid)
  t.type(current.ec.d, 'string', 'and its private part is there')
})

t.test('a rotation opens material inside its transaction: it needs no second database connection', async t => {
  // On PostgreSQL with one connection a second one would never come; on SQLite there is one anyway.
  const { app: narrow, auth: narrowAuth } = await buildTestApp(t, { env: { JWKD_DATABASE_POOL_SIZE: '1', JWKD_ROTATION_CHECK_MS: '0' } })
  const generated = await narrow.inject({ method: 'POST', url: generateUrl(), headers: narrowAuth, payload: { name: 'narrow', type: 'EC', ec: { curveType: 'P256' } } })
  t.equal(generated.statusCode, 200)
  for (let rotation = 1; rotation <= 3; rotation++) {
    const rotated = await narrow.inject({ method: 'POST', url: `${jwkUrl('narrow')}rotate`, headers: narrowAuth, payload: {} })
    t.equal(rotated.statusCode, 200, `rotation ${rotation}: ${rotated.body}`)
  }
})
