import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { PROJECT, buildTestApp, jwkUrl, sqlOf } from '../helpers/app.js'
import { freshPrivateJwk } from '../helpers/keys.js'
import { proveKeyWorks } from '../helpers/prove-key.js'

/** docs/API.md, "Routes" create: a key from pasted JWK text or from a URL, vetted by really importing it. */
const { app, auth } = await buildTestApp(t)
const createUrl = `/apiops/projects/${PROJECT}/jwks/`

const create = async (body: object): Promise<{ statusCode: number, json: () => any, body: string }> =>
  await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: body })

async function expect400 (t: Test, body: object, message: string | RegExp): Promise<void> {
  const response = await create(body)
  t.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 100))
  t.same(Object.keys(response.json()), ['error', 'error_description'])
  if (typeof message === 'string') t.equal(response.json().error_description, message)
  else t.match(response.json().error_description, message)
}

const ed25519 = (): Record<string, string> => freshPrivateJwk('ed25519')
const rsa = (bits = 2048): Record<string, string> => freshPrivateJwk('rsa', { modulusLength: bits })

t.test('COPY_PASTE: a private JWK is stored, sealed, deployed and works', async t => {
  const jwk: Record<string, string> = { ...ed25519(), use: 'sig', alg: 'EdDSA', kid: 'partner-1' }
  const response = await create({ name: 'pasted', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(jwk) })
  t.equal(response.statusCode, 200, response.body)
  t.equal(response.json().deploymentResult.success, true)
  const item = (await app.inject({ method: 'GET', url: jwkUrl('pasted'), headers: auth })).json().resultList[0]
  t.equal(item.sourceType, 'COPY_PASTE')
  t.equal(item.sourceUrl, null)
  t.equal(item.type, 'OKP')
  t.equal(item.kid, 'partner-1')
  t.equal(item.algorithm, 'EdDSA')
  t.equal(item.okp.d, jwk.d, 'private member kept')
  t.equal(item.okp.x, jwk.x)
  const publicOnly = (await app.inject({ method: 'GET', url: jwkUrl('pasted') + '?publicOnly=true', headers: auth })).json().resultList[0]
  await proveKeyWorks(item.okp, publicOnly.okp)
  const { sealed_private: sealed } = await sqlOf(app).one("SELECT sealed_private FROM jwks WHERE name = 'pasted'") as { sealed_private: string }
  t.notOk(sealed.includes(jwk.d as string), 'sealed at rest')
})

t.test('COPY_PASTE: a JWK Set, picked by kid; public-only keys; use and alg inferred', async t => {
  const a: Record<string, string> = { ...rsa(), kid: 'a', use: 'enc', alg: 'RSA-OAEP-256' }
  const b: Record<string, string> = { ...rsa(), kid: 'b' }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicB } = b
  const set = JSON.stringify({ keys: [a, publicB] })
  t.equal((await create({ name: 'from-set-a', sourceType: 'COPY_PASTE', jwkStr: set, kid: 'a' })).statusCode, 200)
  t.equal((await create({ name: 'from-set-b', sourceType: 'COPY_PASTE', jwkStr: set, kid: 'b' })).statusCode, 200)
  const itemA = (await app.inject({ method: 'GET', url: jwkUrl('from-set-a'), headers: auth })).json().resultList[0]
  t.equal(itemA.keyUseType, 'ENCRYPTION')
  t.equal(itemA.rsa.alg, 'RSA-OAEP-256')
  const { d: _ad, p: _ap, q: _aq, dp: _adp, dq: _adq, qi: _aqi, ...publicA } = itemA.rsa
  await proveKeyWorks(itemA.rsa, publicA)
  const itemB = (await app.inject({ method: 'GET', url: jwkUrl('from-set-b'), headers: auth })).json().resultList[0]
  t.equal(itemB.rsa.d, undefined, 'a public key stays public')
  t.equal(itemB.keyUseType, 'SIGNATURE', 'default use')
  t.equal(itemB.rsa.n, publicB.n)
  const x25519 = freshPrivateJwk('x25519')
  t.equal((await create({ name: 'agree', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(x25519), kid: 'given-kid' })).statusCode, 200)
  const agree = (await app.inject({ method: 'GET', url: jwkUrl('agree'), headers: auth })).json().resultList[0]
  t.equal(agree.keyUseType, 'ENCRYPTION', 'X25519 can only agree keys')
  t.equal(agree.kid, 'given-kid', 'a lone JWK without kid takes the requested one')
  const secret = { kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' }
  t.equal((await create({ name: 'secret', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(secret), type: 'OCT' })).statusCode, 200)
})

t.test('documented messages, verbatim', async t => {
  const jwkStr = JSON.stringify(ed25519())
  await expect400(t, { name: 'x', jwkStr }, 'Source type is required!')
  await expect400(t, { name: 'x', sourceType: '', jwkStr }, 'Source type is required!')
  await expect400(t, { name: 'x', sourceType: 'URL' }, 'URL is required for URL source type!')
  await expect400(t, { name: 'x', sourceType: 'URL', url: ' ' }, 'URL is required for URL source type!')
  await expect400(t, { sourceType: 'COPY_PASTE', jwkStr }, 'JWK name can not be empty!')
  await expect400(t, { name: '', sourceType: 'COPY_PASTE', jwkStr }, 'JWK name can not be empty!')
  await expect400(t, { name: 'pasted', sourceType: 'COPY_PASTE', jwkStr }, 'JWK (name: pasted) is already exist! Try update operation if want to change its value.')
  await expect400(t, { name: 'x', sourceType: 'COPY_PASTE' }, 'JWK string is required for COPY_PASTE source type!')
})

t.test('other source types', async t => {
  await expect400(t, { name: 'x', sourceType: 'GENERATE' }, 'Source type GENERATE is not created here: use POST /apiops/projects/{projectName}/jwks/generate')
  await expect400(t, { name: 'x', sourceType: 'KEYSTORE' }, 'Keystore name is required for KEYSTORE source type!')
  for (const sourceType of ['PUBLIC_KEY', 'PRIVATE_KEY']) await expect400(t, { name: 'x', sourceType }, `Key name is required for ${sourceType} source type!`)
  await expect400(t, { name: 'x', sourceType: 'FTP' }, 'Invalid source type "FTP"; supported: COPY_PASTE, URL, CERTIFICATE, PUBLIC_KEY, PRIVATE_KEY, KEYSTORE')
  await expect400(t, { name: 'x', sourceType: 'COPY_PASTE', jwkStr: '{}', url: 'http://x' }, 'url is only used with source type URL')
  await expect400(t, { name: 'x', sourceType: 'URL', url: 'http://x', jwkStr: '{}' }, 'jwkStr is only used with source type COPY_PASTE')
})

t.test('malformed or unsupported keys say why, and never echo the key', async t => {
  const secretD = 'c2VjcmV0LXByaXZhdGUtbWVtYmVyLXZhbHVl'
  const cases: Array<[unknown, string | RegExp]> = [
    [`{"kty":"OKP","crv":"Ed25519","d":"${secretD}",`, 'jwkStr is not valid JSON'],
    [[1, 2], 'jwkStr must hold a JWK or a JWK Set (a JSON object)'],
    [{ keys: [] }, 'The JWK Set in jwkStr holds no keys'],
    [{ keys: 'nope' }, '"keys" in jwkStr must be an array'],
    [{ keys: [ed25519(), ed25519()] }, 'The JWK Set in jwkStr holds 2 keys; name the one to import with kid'],
    [{ kty: 'DSA', y: 'AQAB' }, 'The key cannot be imported: kty "DSA" is not supported; supported: RSA, EC, OKP, oct'],
    [{ kty: 'EC', crv: 'P-192', x: 'AA', y: 'AA' }, 'The key cannot be imported: curve "P-192" is not supported for EC; supported: P-256, P-384, P-521, secp256k1'],
    [{ kty: 'EC', crv: 'P-256', x: 'AA' }, 'The key cannot be imported: a EC key needs the member "y"'],
    [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA', d: secretD }, /^The key cannot be imported: the key could not be imported/],
    [{ kty: 'OKP', crv: 'Ed25519', x: 12 }, 'The key cannot be imported: member "x" must be a base64url string (canonical, unpadded)'],
    [{ ...ed25519(), x: ed25519().x }, 'The key cannot be imported: the private key does not match its public member "x"'],
    [rsa(1024), 'The key cannot be imported: RSA keys must be at least 2048 bits; this one is 1024'],
    [{ kty: 'oct', k: randomBytes(8).toString('base64url') }, 'The key cannot be imported: symmetric keys must be at least 128 bits; this one is 64'],
    [{ ...ed25519(), use: 'both' }, 'The key\'s "use" must be "sig" or "enc"'],
    [{ ...ed25519(), alg: 'RS256' }, /^The key's "alg" "RS256" is not valid for type OKP/],
    [{ ...ed25519(), use: 'enc' }, 'The key\'s "use" ENCRYPTION is not possible with curve ED25519: it can only sign; use SIGNATURE (or curve X25519/X448 to encrypt)'],
    [{ kty: 'oct', k: randomBytes(16).toString('base64url'), alg: 'HS256' }, 'The key\'s "alg" HS256 needs keySize 256 or more; this key is keySize 128'],
    [{ ...ed25519(), kid: 'x'.repeat(300) }, 'The key\'s "kid" must be printable text of 1 to 255 characters'],
    [{ ...ed25519(), nbf: 2000, exp: 1000 }, 'The key\'s "exp" must be after its "nbf"']
  ]
  for (const [document, message] of cases) {
    const jwkStr = typeof document === 'string' ? document : JSON.stringify(document)
    const response = await create({ name: 'bad', sourceType: 'COPY_PASTE', jwkStr })
    t.equal(response.statusCode, 400, jwkStr.slice(0, 60))
    if (typeof message === 'string') t.equal(response.json().error_description, message)
    else t.match(response.json().error_description, message)
    t.notOk(response.body.includes(secretD), 'the pasted key is not echoed')
  }
  const typed = await create({ name: 'bad', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(ed25519()), type: 'RSA' })
  t.equal(typed.json().error_description, 'The key is of type OKP, not RSA')
  const wrongKid = await create({ name: 'bad', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify({ ...ed25519(), kid: 'one' }), kid: 'two' })
  t.equal(wrongKid.json().error_description, 'The JWK in jwkStr has kid "one", not "two"')
  const notString = await create({ name: 'bad', sourceType: 'COPY_PASTE', jwkStr: { kty: 'oct', k: secretD } })
  t.equal(notString.json().error_description, 'jwkStr must be a string of at most 60000 characters', 'schema errors do not quote it either')
  t.notOk(notString.body.includes(secretD))
  t.equal((await app.store.jwks.listByProject((await app.store.projects.findByName(PROJECT))!.id)).filter(record => record.name === 'bad').length, 0, 'nothing stored')
})

t.test('an imported kid must be free in the project', async t => {
  const response = await create({ name: 'dup-kid', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify({ ...ed25519(), kid: 'partner-1' }) })
  t.equal(response.json().error_description, 'Key ID (kid: partner-1) is already used by JWK (name: pasted) in this project; choose another kid')
})

t.test('URL: fetched from a local server, with timeouts, size limit and status checks', async t => {
  // Loopback needs the opt-in; the refusal without it is test/routes/import-egress.test.ts.
  const logged: string[] = []
  const { app, auth } = await buildTestApp(t, {
    env: { JWKD_IMPORT_ALLOW_PRIVATE: 'true' },
    logger: { level: 'warn', stream: { write: line => { logged.push(line) } } }
  })
  const create = async (body: object): Promise<{ statusCode: number, json: () => any, body: string }> =>
    await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: body })
  const signing: Record<string, string> = { ...rsa(), kid: 'url-key', use: 'sig', alg: 'RS256' }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicSigning } = signing
  const routes: Record<string, (res: import('node:http').ServerResponse) => void> = {
    '/jwks.json': res => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [ed25519(), publicSigning] })),
    '/missing': res => res.writeHead(404).end('no'),
    '/huge': res => res.writeHead(200).end('x'.repeat(2 * 1024 * 1024)),
    '/huge-chunked': res => { res.writeHead(200); for (let i = 0; i < 40; i++) res.write('y'.repeat(64 * 1024)); res.end() },
    '/html': res => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    '/redirect': res => res.writeHead(302, { location: '/jwks.json' }).end(),
    '/dsa': res => res.writeHead(200).end(JSON.stringify({ kty: 'DSA', kid: 'internal-dsa-7' })),
    '/silent': () => {}
  }
  const server: Server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname]
    if (route === undefined) res.writeHead(500).end()
    else route(res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const response = await create({ name: 'from-url', sourceType: 'URL', url: `${base}/jwks.json?token=secret`, kid: 'url-key' })
  t.equal(response.statusCode, 200, response.body)
  const item = (await app.inject({ method: 'GET', url: jwkUrl('from-url'), headers: auth })).json().resultList[0]
  t.equal(item.sourceType, 'URL')
  t.equal(item.sourceUrl, `${base}/jwks.json`, 'stored without the query string')
  t.equal(item.rsa.n, publicSigning.n)
  t.equal(item.algorithm, 'RS256')
  // Apinizer: an update detaches a key from its source. How it was made stays on record.
  t.equal((await app.inject({ method: 'PUT', url: jwkUrl('from-url'), headers: auth, payload: { description: 'mine now' } })).statusCode, 200)
  const detached = (await app.inject({ method: 'GET', url: jwkUrl('from-url'), headers: auth })).json().resultList[0]
  t.same([detached.sourceType, detached.sourceUrl, detached.sourceId, detached.rsa.n], ['URL', null, null, publicSigning.n], 'no source to follow after an update')

  // Every failure is one answer naming the origin; what went wrong is in the log, never in the body.
  const fetchFails = async (body: object, detail: string): Promise<void> => {
    logged.length = 0
    const failed = await create(body)
    t.equal(failed.statusCode, 400, detail)
    t.same(failed.json(), { error: 'bad_request', error_description: `The key could not be fetched from ${base}` })
    t.ok(logged.some(line => line.includes(detail)), `logged: ${detail}`)
  }
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/jwks.json`, kid: 'absent' }, 'No key with kid \\"absent\\" in the JWK Set in the answer')
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/jwks.json` }, 'The JWK Set in the answer holds 2 keys')
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/missing` }, `${base}/missing: answered HTTP 404`)
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/redirect` }, `${base}/redirect: answered HTTP 302`)
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/huge` }, `${base}/huge: the answer is larger than 1048576 bytes`)
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/huge-chunked`, urlOptionSizeLimit: 100_000 }, `${base}/huge-chunked: the answer is larger than 100000 bytes`)
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/html` }, `${base}/html: the answer is not valid JSON`)
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/dsa` }, `${base}/dsa: The key cannot be imported: kty \\"DSA\\" is not supported`)
  t.notOk((await create({ name: 'u', sourceType: 'URL', url: `${base}/dsa` })).body.includes('internal-dsa-7'), 'nothing of the document is echoed')
  await expect400(t, { name: 'u', sourceType: 'URL', url: 'ftp://127.0.0.1/x' }, 'url must use http or https, not ftp:')
  await expect400(t, { name: 'u', sourceType: 'URL', url: 'not a url' }, 'url must be an absolute http or https URL')
  await expect400(t, { name: 'u', sourceType: 'URL', url: `${base}/jwks.json`, urlOptionSizeLimit: 4 * 1024 * 1024 + 1 }, /^urlOptionSizeLimit/)

  const started = Date.now()
  await fetchFails({ name: 'u', sourceType: 'URL', url: `${base}/silent`, urlOptionReadTimeout: 300 }, `${base}/silent: the whole answer did not arrive within 300 ms`)
  const elapsed = Date.now() - started
  t.ok(elapsed >= 290, `gave up after the configured time, not before (${elapsed} ms)`)

  const closed = createServer()
  await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
  const closedPort = (closed.address() as AddressInfo).port
  await new Promise<void>(resolve => closed.close(() => resolve()))
  logged.length = 0
  const refused = await create({ name: 'u', sourceType: 'URL', url: `http://127.0.0.1:${closedPort}/jwks.json` })
  t.equal(refused.json().error_description, `The key could not be fetched from http://127.0.0.1:${closedPort}`)
  t.ok(logged.some(line => line.includes('connection refused')), 'the log says why')
  t.equal((await app.store.jwks.listByProject((await app.store.projects.findByName(PROJECT))!.id)).length, 1, 'only the good import stored')
})
