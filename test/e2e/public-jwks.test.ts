import { readFileSync } from 'node:fs'
import { SignJWT, createRemoteJWKSet, importJWK, jwtVerify } from 'jose'
import t, { type Test } from 'tap'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { PRIVATE_JWK_MEMBERS } from '../helpers/keys.js'
import { runCliProcess, startServer } from '../helpers/processes.js'
import { dataEnv } from '../helpers/backend.js'

/** The public JWKS of a running server, as a relying party uses it: jose's createRemoteJWKSet. */
const dataDir = t.testdir()
const env = dataEnv(dataDir)
for (const args of [['project', 'create', 'Shop'], ['env', 'create', 'staging']]) t.equal(runCliProcess(args, env).status, 0)
const server = await startServer(env)
t.teardown(() => server.stop())
const headers = { authorization: `Bearer ${readFileSync(adminTokenPath(dataDir), 'utf8').trim()}`, 'content-type': 'application/json' }
const api = `${server.url}/apiops/projects/Shop/jwks`
const jwksUrl = (environment = 'production'): URL => new URL(`${server.url}/environments/${environment}/projects/Shop/jwks.json`)

async function generate (t: Test, body: object): Promise<void> {
  const response = await fetch(`${api}/generate`, { method: 'POST', headers, body: JSON.stringify(body) })
  t.equal(response.status, 200, `generate ${JSON.stringify(body)}`)
}

async function signWith (name: string): Promise<string> {
  const item = (await (await fetch(`${api}/${name}/`, { headers })).json() as { resultList: Array<Record<string, any>> }).resultList[0]!
  const jwk = item[item.type.toLowerCase()]
  return await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid }).setIssuedAt().setExpirationTime('5m')
    .sign(await importJWK(jwk, jwk.alg))
}

t.test('keys for the set: RSA, Ed25519, a secret and an expired EC key', async t => {
  await generate(t, { name: 'rs', type: 'RSA', rsa: { keySize: 2048, algorithm: 'RS256', keyIdType: 'THUMBPRINT' } })
  await generate(t, { name: 'ed', type: 'OKP', okp: { curveType: 'ED25519', algorithm: 'EdDSA', keyIdType: 'SHA256' } })
  await generate(t, { name: 'hmac', type: 'OCT', oct: { keySize: 256, algorithm: 'HS256' } })
  await generate(t, { name: 'old', kid: 'expired-key', type: 'EC', ec: { curveType: 'P256', notBeforeTime: '2020-01-01T00:00:00Z', expirationTime: '2021-01-01T00:00:00Z' } })
})

t.test('tokens signed with RS256 and Ed25519 keys verify through the public JWKS', async t => {
  for (const name of ['rs', 'ed']) {
    const jwt = await signWith(name)
    const { payload } = await jwtVerify(jwt, createRemoteJWKSet(jwksUrl()))
    t.equal(payload.sub, 'alice', `${name} verified`)
    const staging = await jwtVerify(jwt, createRemoteJWKSet(jwksUrl('staging')))
    t.equal(staging.payload.sub, 'alice', `${name} verified in staging too`)
  }
})

t.test('the document: public asymmetric, unexpired keys only; headers; 304', async t => {
  const response = await fetch(jwksUrl())
  t.equal(response.status, 200)
  t.equal(response.headers.get('content-type'), 'application/jwk-set+json; charset=utf-8')
  t.equal(response.headers.get('cache-control'), 'public, max-age=60, must-revalidate')
  const etag = response.headers.get('etag')
  t.match(etag, /^"[A-Za-z0-9_-]{43}"$/)
  const { keys } = await response.json() as { keys: Array<Record<string, string>> }
  t.same(keys.map(key => key.kty).sort(), ['OKP', 'RSA'], 'no oct key, no expired key')
  for (const key of keys) {
    t.same(PRIVATE_JWK_MEMBERS.filter(member => member in key), [], `${key.kty}: no private member`)
  }
  const cached = await fetch(jwksUrl(), { headers: { 'if-none-match': etag! } })
  t.equal(cached.status, 304)
  t.equal(await cached.text(), '')
  const stale = await fetch(jwksUrl(), { headers: { 'if-none-match': '"something-else"' } })
  t.equal(stale.status, 200)
  const missing = await fetch(`${server.url}/environments/nowhere/projects/Shop/jwks.json`)
  t.equal(missing.status, 404)
  t.same(await missing.json(), { error: 'not_found', error_description: 'No JWK Set for project (Shop) in environment (nowhere)' })
})

t.test('after delete, the deleted key no longer verifies; the ETag changes', async t => {
  const jwt = await signWith('ed')
  const before = (await fetch(jwksUrl())).headers.get('etag')
  const deleted = await fetch(`${api}/ed/`, { method: 'DELETE', headers: { authorization: headers.authorization } })
  t.equal(deleted.status, 200)
  const after = await fetch(jwksUrl())
  t.not(after.headers.get('etag'), before)
  await t.rejects(jwtVerify(jwt, createRemoteJWKSet(jwksUrl())), { code: 'ERR_JWKS_NO_MATCHING_KEY' })
  const stillValid = await jwtVerify(await signWith('rs'), createRemoteJWKSet(jwksUrl()))
  t.equal(stillValid.payload.sub, 'alice', 'the other key still verifies')
})
