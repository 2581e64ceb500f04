import { generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { apiClient, deploymentBody, refused } from '../helpers/http.js'

/**
 * parse-from-clipboard, parse-from-url and import-file, against a real server
 * over HTTP: the documented bodies and forms, read exactly as create reads
 * COPY_PASTE and URL, and every documented message verbatim.
 */
// Loopback sources are private addresses: this server is told to allow them.
const { app, auth } = await buildTestApp(t, { env: { JWKD_IMPORT_ALLOW_PRIVATE: 'true' } })
await app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/apiops/projects/${PROJECT}`
const send = apiClient(base, auth)

const publicJwk = (kid: string): Record<string, string> => ({ ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as Record<string, string>, kid })
// One set per route: a kid is unique in a project.
const makeSet = (prefix: string): { keys: Array<Record<string, string>> } => ({ keys: [publicJwk(`${prefix}-2025`), publicJwk(`${prefix}-2026`)] })
const served = makeSet('idp')
const stored = async (name: string): Promise<any> => (await send('GET', `/jwks/${name}/`)).json.resultList[0]

const idp = createServer((request, response) => {
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify(served))
})
await new Promise<void>(resolve => idp.listen(0, '127.0.0.1', resolve))
t.teardown(() => idp.close())
const idpUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json`

t.test('parse-from-clipboard: the documented body, a set picked by kid', async t => {
  const set = makeSet('pasted')
  t.same(await send('POST', '/jwks/parse-from-clipboard', { name: 'my-jwk', description: 'JWK from JSON string', jwkStr: JSON.stringify(set), kid: 'pasted-2026' }),
    { status: 200, json: deploymentBody(['production']) })
  const jwk = await stored('my-jwk')
  t.same([jwk.sourceType, jwk.kid, jwk.okp.x, jwk.description], ['COPY_PASTE', 'pasted-2026', set.keys[1]!.x, 'JWK from JSON string'])
  await refused(t, send('POST', '/jwks/parse-from-clipboard', { name: 'other', jwkStr: JSON.stringify(set) }), 'The JWK Set in jwkStr holds 2 keys; name the one to import with kid')
  await refused(t, send('POST', '/jwks/parse-from-clipboard', { name: 'other', jwkStr: '' }), 'JWK string is required for COPY_PASTE source type!')
  await refused(t, send('POST', '/jwks/parse-from-clipboard', { name: 'other', jwkStr: '{}', url: idpUrl }), 'Unknown field: "url"')
})

t.test('parse-from-url: the documented body against a JWKS endpoint', async t => {
  t.same(await send('POST', '/jwks/parse-from-url', { name: 'from-url', description: 'JWK from URL', url: idpUrl, urlOptionConnectTimeout: 5000, urlOptionReadTimeout: 10000, urlOptionSizeLimit: 1048576, kid: 'idp-2025' }),
    { status: 200, json: deploymentBody(['production']) })
  const jwk = await stored('from-url')
  t.same([jwk.sourceType, jwk.sourceUrl, jwk.kid, jwk.okp.x], ['URL', new URL(idpUrl).origin + new URL(idpUrl).pathname, 'idp-2025', served.keys[0]!.x])
  await refused(t, send('POST', '/jwks/parse-from-url', { name: 'other', url: ' ' }), 'URL is required for URL source type!')
  await refused(t, send('POST', '/jwks/parse-from-url', { name: 'other', url: idpUrl, kid: 'absent' }), `The key could not be fetched from ${new URL(idpUrl).origin}`)
})

const form = (fields: Record<string, string | undefined>, file?: string): FormData => {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) data.append(name, value)
  if (file !== undefined) data.append('jwkFile', new Blob([file]), 'jwks.json')
  return data
}

t.test('import-file: the documented forms and messages', async t => {
  const set = makeSet('partner')
  t.same(await send('POST', '/jwks/import-file/', form({ jwkName: 'partner-jwk', kid: 'partner-2026' }, JSON.stringify(set))), { status: 200, json: deploymentBody(['production']) })
  t.same(await send('POST', '/jwks/import-file/', form({ jwkName: 'described', kid: 'partner-2025', jwkDescription: 'Partner signing key, rotated 2026-01' }, JSON.stringify(set))),
    { status: 200, json: deploymentBody(['production']) })
  const [partner, described] = [await stored('partner-jwk'), await stored('described')]
  t.same([partner.sourceType, partner.kid, partner.okp.x], ['COPY_PASTE', 'partner-2026', set.keys[1]!.x], 'the key the kid names, read as the clipboard reads it')
  t.equal(described.description, 'Partner signing key, rotated 2026-01')

  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'partner-jwk', kid: 'partner-2026' }, JSON.stringify(set))),
    'JWK (name: partner-jwk) is already exist! Try update operation if want to change its value.')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x' }, JSON.stringify(set))), 'kid value can not be empty!')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x', kid: 'partner-2026' })), 'jwkFile value can not be empty!')
  await refused(t, send('POST', '/jwks/import-file/', form({ kid: 'partner-2026' }, JSON.stringify(set))), 'jwkName value can not be empty!')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x', kid: 'nope' }, JSON.stringify(set))), 'No key with kid "nope" in the JWK Set in jwkStr')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x', kid: 'k' }, 'not json')), 'jwkStr is not valid JSON')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x', kid: 'k', other: 'y' }, JSON.stringify(set))), 'Unknown form field: "other"')
  await refused(t, send('POST', '/jwks/import-file/', form({ jwkName: 'x\u0007', kid: 'k' }, JSON.stringify(set))), 'jwkName must be printable text of 1 to 255 characters; got "x\\u0007" (a string)')
  await refused(t, send('POST', '/jwks/import-file/', { jwkName: 'json' }), 'Send the JWK file as multipart/form-data (jwkFile, jwkName, kid, jwkDescription)')
  const huge = await send('POST', '/jwks/import-file/', form({ jwkName: 'x', kid: 'k' }, JSON.stringify(set) + ' '.repeat(70 * 1024)))
  t.same(huge, { status: 413, json: { error: 'payload_too_large', error_description: 'Request body is larger than 65536 bytes' } })
  const names = (await send('GET', '/jwks/')).json.resultList.map((item: any) => item.name).sort()
  t.same(names, ['described', 'from-url', 'my-jwk', 'partner-jwk'], 'nothing half-written')
})
