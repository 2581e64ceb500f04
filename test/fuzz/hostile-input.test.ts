import fc from 'fast-check'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/**
 * Hostile input, generated: at least 10 000 bodies for generate, create and
 * update, and hostile paths and headers. Every answer is a 200 or a 4xx in
 * the Apinizer shape — never a 500 — the server stays up, and nothing is
 * stored for a rejected request.
 */
const { app, auth } = await buildTestApp(t)
await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'existing', type: 'OCT', oct: { keySize: 128 } } })
await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'rotatable', type: 'EC', ec: { curveType: 'P256', rotation: { period: 'P30D' } } } })
const projectId = (await app.store.projects.findByName(PROJECT))!.id
const count = async (): Promise<number> => (await app.store.jwks.listByProject(projectId)).length

const KEYS = ['name', 'description', 'type', 'kid', 'rsa', 'ec', 'oct', 'okp', 'keySize', 'curveType', 'keyUseType', 'algorithm', 'keyIdType',
  'notBeforeTime', 'expirationTime', 'passwordSaltLength', 'passwordIterationCount', 'sourceType', 'jwkStr', 'url', 'certificateName', 'environmentName',
  'useType', 'rotation', 'period', 'verificationTtl', 'publishAhead', 'retain', '__proto__', 'constructor', 'prototype', 'toString']
const weirdStrings = fc.oneof(
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '-0', '1e309', 'RSA', 'EC', 'OCT', 'OKP', 'P256', 'ED25519', 'X448', 'COPY_PASTE', 'URL', 'SIGNATURE',
    'ENCRYPTION', 'RS256', 'ECDH_ES', 'TIMESTAMP', 'NONE', 'P30D', 'PT1M', 'PT59S', 'P0D', 'PT', 'P1DT', 'P99999D', '2024-01-01T00:00:00Z', 'null', '{}', '[]', '\u0000', '\u202e', '💥', '../../etc/passwd', '%00',
    'sur\ud800rogate', '\udfff', 'a\udc00\ud800b', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 300 }).map(text => text.repeat(3))
)
const weirdNumbers = fc.oneof(fc.constantFrom(0, -1, 2048, 4096, 128, 256, 8, 1000, 2 ** 53, -(2 ** 53), 1e308, 4096.5), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }))
const leaf = fc.oneof(weirdStrings, weirdNumbers, fc.boolean(), fc.constant(null))
const value: fc.Arbitrary<unknown> = fc.letrec(tie => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), tie('node'), { maxKeys: 5 })
})).node
// Mostly plausible bodies with one thing wrong, plus plain junk.
const body = fc.oneof(
  fc.record({ name: fc.oneof(weirdStrings, leaf), type: fc.oneof(fc.constantFrom('RSA', 'EC', 'OCT', 'OKP'), leaf), rsa: value, ec: value, oct: value, okp: value, kid: value }, { requiredKeys: [] }),
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 8 }),
  value
)
const deep = fc.integer({ min: 50, max: 3000 }).map(depth => '['.repeat(depth) + ']'.repeat(depth))
const rawProto = fc.constantFrom('{"__proto__":{"x":1},"name":"p","type":"OCT","oct":{"keySize":128}}', '{"name":"c","constructor":{"prototype":{"x":1}}}', '{"oct":{"__proto__":null}}')

// Keys for the create route: sound ones, and the weak, mismatched and malformed kinds an import must refuse.
const b64 = (bytes: Buffer): string => bytes.toString('base64url')
const rsaKey = freshPrivateJwk('rsa', { modulusLength: 2048 })
const otherRsa = freshPrivateJwk('rsa', { modulusLength: 2048 })
const ecKey = freshPrivateJwk('ec', { namedCurve: 'P-256' })
const otherEc = freshPrivateJwk('ec', { namedCurve: 'P-256' })
const edIdentity = Buffer.alloc(32)
edIdentity[0] = 1
const edKey = freshPrivateJwk('ed25519')
const x448Key = freshPrivateJwk('x448')
const octKey = { kty: 'oct', k: b64(Buffer.alloc(32, 9)) }
/** What a stored key's material may be: only these bases are sound. */
const SOUND = new Set([rsaKey.n, ecKey.x, edKey.x, x448Key.x, octKey.k])
const jwkBases = fc.constantFrom<Record<string, unknown>>(
  rsaKey, { ...rsaKey, d: otherRsa.d }, { ...rsaKey, p: otherRsa.p }, { kty: 'RSA', n: rsaKey.n, e: 'AQ' }, { kty: 'RSA', n: rsaKey.n, e: 'AQAA' },
  ecKey, { ...ecKey, d: otherEc.d }, { kty: 'EC', crv: 'secp256k1', x: ecKey.x, y: ecKey.y },
  edKey, { kty: 'OKP', crv: 'Ed25519', x: b64(edIdentity) }, { kty: 'OKP', crv: 'Ed25519', x: b64(Buffer.alloc(32)) },
  { kty: 'OKP', crv: 'X25519', x: b64(Buffer.alloc(32)) }, { kty: 'OKP', crv: 'X448', x: b64(Buffer.alloc(56)) }, x448Key,
  { kty: 'oct', k: b64(Buffer.alloc(16, 7)) + 'AAA' }, octKey
)
const jwkOverrides = fc.dictionary(
  fc.constantFrom('kty', 'crv', 'use', 'alg', 'kid', 'x', 'd', 'k', 'n', 'e', 'nbf', 'exp', 'oth', 'x5c', '__proto__', 'constructor'),
  fc.oneof(weirdStrings, weirdNumbers, fc.constantFrom('sig', 'enc', 'constructor', '__proto__', 'toString', 'valueOf', 'EdDSA', 'RS256')),
  { maxKeys: 3 }
)
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
const hostileJwkStr = fc.oneof(
  fc.tuple(jwkBases, jwkOverrides).map(([base, overrides]) => JSON.stringify({ ...base, ...overrides })),
  fc.tuple(jwkBases, fc.integer({ min: 17, max: 29_000 })).map(([base, depth]) => JSON.stringify(base).replace(/}$/, `,"x5c":${nested(depth)}}`)),
  fc.tuple(jwkBases, jwkBases).map(([a, b]) => JSON.stringify({ keys: [a, b] }))
)
const hostileCreate = fc.record({
  name: fc.oneof(fc.constant('imported'), weirdStrings),
  sourceType: fc.constantFrom('COPY_PASTE', 'COPY_PASTE', 'URL', 'constructor'),
  jwkStr: hostileJwkStr,
  kid: fc.oneof(fc.constant(undefined), weirdStrings)
}, { requiredKeys: ['name', 'sourceType', 'jwkStr'] }).map(record => JSON.stringify(record))

let stored = 0
async function check (response: { statusCode: number, body: string }, label: string): Promise<void> {
  if (response.statusCode === 200) {
    stored++
    return
  }
  if (response.statusCode < 400 || response.statusCode >= 500) throw new Error(`${label}: status ${response.statusCode}: ${response.body.slice(0, 200)}`)
  const parsed = JSON.parse(response.body)
  if (Object.keys(parsed).sort().join() !== 'error,error_description' || typeof parsed.error_description !== 'string') {
    throw new Error(`${label}: not the Apinizer shape: ${response.body.slice(0, 200)}`)
  }
}

const routes = [
  { label: 'generate', runs: 4000, method: 'POST' as const, url: generateUrl() },
  { label: 'create', runs: 3000, method: 'POST' as const, url: `/apiops/projects/${PROJECT}/jwks/` },
  { label: 'update', runs: 3000, method: 'PUT' as const, url: jwkUrl('existing') },
  { label: 'parse-from-certificate', runs: 1000, method: 'POST' as const, url: `/apiops/projects/${PROJECT}/jwks/parse-from-certificate` },
  { label: 'parse-from-clipboard', runs: 500, method: 'POST' as const, url: `/apiops/projects/${PROJECT}/jwks/parse-from-clipboard` },
  { label: 'parse-from-key', runs: 500, method: 'POST' as const, url: `/apiops/projects/${PROJECT}/jwks/parse-from-key` },
  { label: 'rotate', runs: 500, method: 'POST' as const, url: `${jwkUrl('rotatable')}rotate` }
]
/** Routes that change a key and never add one. */
const ADD_NO_KEY = new Set(['update', 'rotate'])

t.test('2000 hostile JWKs to import: weak, mismatched, non-canonical, prototype-named, deeply nested', async t => {
  const before = (await count())
  stored = 0
  await fc.assert(fc.asyncProperty(hostileCreate, async payload => {
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/jwks/`, headers: { ...auth, 'content-type': 'application/json' }, payload })
    await check(response, 'create (hostile JWK)')
    if (response.statusCode !== 200) return
    // Only a sound key may be stored; each one that was is removed again, so names stay free.
    const url = jwkUrl(JSON.parse(payload).name)
    const item = (await app.inject({ method: 'GET', url, headers: auth })).json().resultList[0]
    const jwk = item[item.type.toLowerCase()]
    if (!SOUND.has(jwk.n ?? jwk.x ?? jwk.k)) throw new Error(`stored a key that is none of the sound ones: ${payload.slice(0, 200)}`)
    await app.inject({ method: 'DELETE', url, headers: auth })
  }), { numRuns: 2000 })
  t.equal((await count()), before, `only sound keys were stored (${stored} of 2000), and each was removed`)
})

for (const route of routes) {
  t.test(`${route.runs} hostile ${route.label} bodies`, async t => {
    const before = (await count())
    stored = 0
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 8, arbitrary: body.map(b => JSON.stringify(b) ?? 'undefined') }, { weight: 1, arbitrary: deep }, { weight: 1, arbitrary: rawProto }), async payload => {
      const response = await app.inject({ method: route.method, url: route.url, headers: { ...auth, 'content-type': 'application/json' }, payload })
      await check(response, route.label)
    }), { numRuns: route.runs })
    if (ADD_NO_KEY.has(route.label)) t.equal((await count()), before, `${route.label} adds no key`)
    else t.equal((await count()), before + stored, `only accepted requests stored keys (${stored} of ${route.runs})`)
  })
}

/** Every byte of the UTF-8 (a lone surrogate becomes U+FFFD, as a client's encoder would send it). */
const percentEncoded = (text: string): string => [...Buffer.from(text, 'utf8')].map(byte => `%${byte.toString(16).padStart(2, '0')}`).join('')

t.test('500 hostile version state changes: any kid, any action, on a key with versions and one without', async t => {
  const rotated = await app.inject({ method: 'POST', url: `${jwkUrl('rotatable')}rotate`, headers: auth, payload: {} })
  t.equal(rotated.statusCode, 200, 'the key has a retired version to act on')
  const kids = ((await app.inject({ method: 'GET', url: `${jwkUrl('rotatable')}versions/`, headers: auth })).json().resultList as Array<{ kid: string }>).map(version => version.kid)
  await fc.assert(fc.asyncProperty(fc.oneof(fc.constantFrom(...kids), weirdStrings), fc.constantFrom('disable', 'enable', 'destroy'), fc.constantFrom('rotatable', 'existing'), async (kid, action, name) => {
    const response = await app.inject({ method: 'POST', url: `${jwkUrl(name)}versions/${percentEncoded(kid)}/${action}`, headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' })
    if (response.statusCode !== 200) await check(response, `${action} ${name}`)
  }), { numRuns: 500 })
  const states = ((await app.inject({ method: 'GET', url: `${jwkUrl('rotatable')}versions/`, headers: auth })).json().resultList as Array<{ state: string }>).map(version => version.state)
  t.equal(states.filter(state => state === 'ACTIVE').length, 1, `still exactly one current version (${states.join(', ')})`)
})

// Certificate forms: the fields in any state, and files that are truncated, garbled, wrapped wrongly or not certificates at all.
const certificatePem = execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=fuzz', '-days', '1'], { encoding: 'utf8' })
const certificateBody = certificatePem.split('\n').slice(1, -2).join('')
const armored = (base64: string): string => `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END CERTIFICATE-----\n`
const hostileFile = fc.oneof(
  fc.integer({ min: 0, max: certificateBody.length }).map(cut => armored(certificateBody.slice(0, cut))),
  fc.tuple(fc.integer({ min: 0, max: certificateBody.length - 1 }), fc.constantFrom('A', '/', '+', '=')).map(([at, char]) => armored(certificateBody.slice(0, at) + char + certificateBody.slice(at + 1))),
  fc.uint8Array({ maxLength: 600 }).map(bytes => armored(Buffer.from(bytes).toString('base64'))),
  fc.string({ maxLength: 300 }),
  fc.constant(certificatePem.replaceAll('CERTIFICATE', 'PRIVATE KEY')),
  fc.constant(certificatePem)
)
const formField = fc.oneof(fc.constantFrom('certificateName', 'alias', 'certificateDescription', 'environmentList', 'pemEncodedFile', '__proto__', 'constructor'), fc.string({ maxLength: 10 }))
const hostileForm = fc.record({
  fields: fc.array(fc.tuple(formField, fc.oneof(weirdStrings, fc.constantFrom('production', 'production,nowhere', ',', 'fuzz-cert'))), { maxLength: 6 }),
  file: fc.option(hostileFile)
})
function multipart ({ fields, file }: { fields: Array<[string, string]>, file: string | null }, fileField = 'pemEncodedFile'): { payload: string, boundary: string } {
  const boundary = 'jwkdfuzzboundary'
  const parts = fields.map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name.replace(/["\r\n]/g, '_')}"\r\n\r\n${value}\r\n`)
  if (file !== null) parts.push(`--${boundary}\r\ncontent-disposition: form-data; name="${fileField}"; filename="upload"\r\ncontent-type: application/octet-stream\r\n\r\n${file}\r\n`)
  return { payload: parts.join('') + `--${boundary}--\r\n`, boundary }
}

t.test('500 hostile certificate forms', async t => {
  await fc.assert(fc.asyncProperty(hostileForm, async form => {
    const { payload, boundary } = multipart(form)
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/certificates/`, headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    if (response.statusCode === 200) {
      // Only a readable certificate is stored; each one that was is removed again.
      const name = form.fields.find(([field]) => field === 'certificateName')?.[1] ?? ''
      const deleted = await app.inject({ method: 'DELETE', url: `/apiops/projects/${PROJECT}/certificates/${encodeURIComponent(name)}/`, headers: auth })
      if (deleted.statusCode !== 200 || form.file !== certificatePem) throw new Error(`stored a certificate from ${JSON.stringify(form).slice(0, 200)}`)
      return
    }
    await check(response, 'certificate form')
  }), { numRuns: 500 })
  t.equal(await app.store.certificates.countByProject(projectId), 0, 'no certificate left behind')
})

// JWK files: the document in any state, the fields in any state.
const jwkFileForm = fc.record({
  fields: fc.array(fc.tuple(fc.oneof(fc.constantFrom('jwkName', 'kid', 'jwkDescription', 'jwkFile', '__proto__'), fc.string({ maxLength: 10 })),
    fc.oneof(weirdStrings, fc.constantFrom('fuzz-file', 'fuzz-kid'))), { maxLength: 5 }),
  file: fc.option(fc.oneof(hostileJwkStr, fc.string({ maxLength: 300 }), fc.constant(JSON.stringify({ keys: [{ ...ecKey, d: undefined, kid: 'fuzz-kid' }] }))))
})

t.test('500 hostile JWK files', async t => {
  const before = (await count())
  await fc.assert(fc.asyncProperty(jwkFileForm, async form => {
    const { payload, boundary } = multipart(form, 'jwkFile')
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/jwks/import-file/`, headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload })
    if (response.statusCode === 200) {
      const name = form.fields.find(([field]) => field === 'jwkName')?.[1] ?? ''
      await app.inject({ method: 'DELETE', url: jwkUrl(name), headers: auth })
      return
    }
    await check(response, 'JWK file')
  }), { numRuns: 500 })
  t.equal((await count()), before, 'every accepted file was removed again; nothing else stored')
})

// Key files: truncated, bit-flipped, mislabelled, wrongly encrypted, and encrypted ones whose PBKDF2 count is patched sky-high.
const ecPrivatePem = execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], { encoding: 'utf8' })
const pkcs8Der = execFileSync('openssl', ['pkey', '-outform', 'DER'], { input: ecPrivatePem })
const spkiDer = execFileSync('openssl', ['pkey', '-pubout', '-outform', 'DER'], { input: ecPrivatePem })
// 65535 rounds is INTEGER 02 03 00 FF FF; 7F FF FF in its place asks for 8 388 607 at the same length.
const encryptedDer = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-iter', '65535', '-outform', 'DER', '-passout', 'pass:fuzz'], { input: ecPrivatePem })
const rounds = encryptedDer.indexOf(Buffer.from([0x02, 0x03, 0x00, 0xff, 0xff]))
const bomb = Buffer.from(encryptedDer)
bomb.set([0x7f, 0xff, 0xff], rounds + 2)
const derVariants = (der: Buffer): fc.Arbitrary<string> => fc.oneof(
  fc.integer({ min: 0, max: der.length - 1 }).map(cut => der.subarray(0, cut).toString('base64')),
  fc.tuple(fc.integer({ min: 0, max: der.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
    const copy = Buffer.from(der)
    copy[at] = copy[at]! ^ flip
    return copy.toString('base64')
  }),
  fc.constant(der.toString('base64'))
)
const hostileKeyText = fc.oneof(
  derVariants(pkcs8Der),
  derVariants(spkiDer),
  derVariants(encryptedDer),
  fc.constant(bomb.toString('base64')),
  fc.uint8Array({ maxLength: 300 }).map(bytes => Buffer.from(bytes).toString('base64')),
  fc.constantFrom(ecPrivatePem, ecPrivatePem.replaceAll('PRIVATE KEY', 'PUBLIC KEY'), ecPrivatePem.replaceAll('PRIVATE KEY', 'CERTIFICATE'), ecPrivatePem.replace(/\n[A-Za-z0-9+/]{8}/, '\n!!!!!!!!')),
  weirdStrings
)
const hostileKey = fc.record({
  name: fc.oneof(fc.constant('fuzz-key'), weirdStrings),
  keyType: fc.oneof(fc.constantFrom('RSA', 'EC', 'OKP', undefined), weirdStrings),
  cryptoKeyInfoEnvironmentList: fc.array(fc.record({
    environmentName: fc.oneof(fc.constantFrom('production', 'nowhere'), weirdStrings),
    publicKey: fc.option(hostileKeyText, { nil: undefined }),
    privateKey: fc.option(hostileKeyText, { nil: undefined }),
    privateKeyPassword: fc.option(fc.constantFrom('fuzz', 'wrong', ''), { nil: undefined })
  }, { requiredKeys: ['environmentName'] }), { maxLength: 3 })
}, { requiredKeys: [] })

t.test('400 hostile keys: only sound ones stored, no PBKDF2 bomb opened', async t => {
  await fc.assert(fc.asyncProperty(hostileKey, async body => {
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/keys/`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    if (response.statusCode === 200) {
      const url = `/apiops/projects/${PROJECT}/keys/${encodeURIComponent(body.name as string)}/`
      const stored = (await app.inject({ method: 'GET', url, headers: auth })).json().resultList[0]
      if (stored.cryptoKeyInfoEnvironmentList.some((copy: { publicKey: string }) => copy.publicKey !== spkiDer.toString('base64'))) {
        throw new Error(`stored a key that is not the sound one: ${JSON.stringify(body).slice(0, 200)}`)
      }
      await app.inject({ method: 'DELETE', url, headers: auth })
      return
    }
    await check(response, 'key')
  }), { numRuns: 400 })
  t.equal(await app.store.keys.countByProject(projectId), 0, 'no key left behind')
  const opened = await app.inject({
    method: 'POST',
    url: `/apiops/projects/${PROJECT}/keys/`,
    headers: auth,
    payload: { name: 'bomb', cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', privateKey: bomb.toString('base64'), privateKeyPassword: 'fuzz' }] }
  })
  t.same(opened.json(), { error: 'bad_request', error_description: 'privateKey asks for 8388607 PBKDF2 iterations; at most 1000000 (environment: production)' }, 'the bomb is refused unopened')
})

// Files for OpenSSL in a directory of their own: a second t.testdir() would empty the server's data directory.
const keystoreDir = mkdtempSync(join(tmpdir(), 'jwkd-fuzz-keystore-'))
t.teardown(() => rmSync(keystoreDir, { recursive: true, force: true }))
writeFileSync(join(keystoreDir, 'fuzz.key'), ecPrivatePem)
execFileSync('openssl', ['req', '-x509', '-new', '-key', 'fuzz.key', '-subj', '/CN=fuzz', '-days', '2', '-out', 'fuzz.crt'], { cwd: keystoreDir })
const p12 = execFileSync('openssl', ['pkcs12', '-export', '-inkey', 'fuzz.key', '-in', 'fuzz.crt', '-name', 'fuzz', '-passout', 'pass:fuzz'], { cwd: keystoreDir })
const jksFixture = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'keystores', 'java.jks'))
const hostileKeystore = fc.record({
  name: fc.oneof(fc.constant('fuzz-keystore'), weirdStrings),
  keyStoreEnvironmentList: fc.array(fc.record({
    environmentName: fc.oneof(fc.constantFrom('production', 'nowhere'), weirdStrings),
    type: fc.oneof(fc.constantFrom('PKCS12', 'JKS'), weirdStrings),
    file: fc.oneof(derVariants(p12), derVariants(jksFixture), fc.uint8Array({ maxLength: 300 }).map(bytes => Buffer.from(bytes).toString('base64')), weirdStrings),
    password: fc.oneof(fc.constantFrom('fuzz', 'changeit', 'wrong', ''), weirdStrings),
    keyPassword: fc.option(fc.constantFrom('fuzz', 'changeit', ''), { nil: undefined })
  }, { requiredKeys: ['environmentName', 'type', 'file', 'password'] }), { maxLength: 2 })
}, { requiredKeys: [] })

t.test('300 hostile keystores: truncated and bit-flipped PKCS#12 and JKS files, wrong passwords', async t => {
  await fc.assert(fc.asyncProperty(hostileKeystore, async body => {
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/keystores/`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(body) })
    if (response.statusCode === 200) {
      await app.inject({ method: 'DELETE', url: `/apiops/projects/${PROJECT}/keystores/${encodeURIComponent(body.name as string)}/`, headers: auth })
      return
    }
    await check(response, 'keystore')
  }), { numRuns: 300 })
  t.equal(await app.store.keystores.countByProject(projectId), 0, 'no keystore left behind')
})

t.test('hostile paths, query strings and headers', async t => {
  await app.store.projects.create('admin')
  // A URL cannot carry a lone surrogate (encodeURI refuses it), so no client can send one in a path.
  const segment = fc.oneof(weirdStrings.filter(text => text.isWellFormed()), fc.constantFrom('%', '%zz', '%2F', '%00', '..', '.', 'a'.repeat(5000), '%E0%A4%A', '?x=%', '#'))
  await fc.assert(fc.asyncProperty(segment, segment, fc.constantFrom('GET', 'PUT', 'DELETE', 'POST'), async (project, name, method) => {
    const url = `/apiops/projects/${encodeURI(project).slice(0, 6000)}/jwks/${name}/`
    const response = await app.inject({ method: method as 'GET', url, headers: auth, payload: method === 'GET' || method === 'DELETE' ? undefined : {} })
    await check(response, `${method} ${url.slice(0, 80)}`)
    const pub = await app.inject({ method: 'GET', url: `/environments/${name}/projects/${project}/jwks.json` })
    await check(pub, 'public jwks')
    for (const owner of [encodeURI(project).slice(0, 6000), 'admin']) {
      const truststore = await app.inject({ method: 'GET', url: `/apiops/projects/${owner}/certificates/truststore/${name}/`, headers: auth })
      await check(truststore, `truststore ${owner.slice(0, 20)} ${name.slice(0, 40)}`)
    }
  }), { numRuns: 1000 })
  const headers = fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'A'.repeat(8000), 'Bearer \t x', 'Bearer jwkd_' + 'é'.repeat(10)),
    fc.string({ maxLength: 200 }).map(text => 'Bearer ' + text)
  )
  await fc.assert(fc.asyncProperty(headers, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', '', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'), async (authorization, contentType) => {
    let response
    try {
      response = await app.inject({ method: 'POST', url: generateUrl(), headers: { authorization, 'content-type': contentType }, payload: '{"name":"h","type":"OCT","oct":{"keySize":128}}' })
    } catch {
      return // light-my-request itself refuses characters that no HTTP client could send
    }
    await check(response, `header ${authorization.slice(0, 30)}`)
  }), { numRuns: 500 })
})

t.test('over real HTTP: oversized headers and broken requests keep the Apinizer shape', async t => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const raw = async (headers: Record<string, string>): Promise<{ status: number, body: string }> => await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', headers }, res => {
      let body = ''
      res.on('data', chunk => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  const huge = await raw({ 'x-padding': 'p'.repeat(20_000) })
  t.equal(huge.status, 431)
  t.same(JSON.parse(huge.body), { error: 'request_header_fields_too_large', error_description: 'Request headers are larger than 16384 bytes' })
  const health = await fetch(`http://127.0.0.1:${port}/health`)
  t.equal(health.status, 200, 'still up')
})

t.test('the server is still up and consistent', async t => {
  t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  const list = await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/jwks/`, headers: auth })
  t.equal(list.statusCode, 200)
  t.equal(list.json().resultList.length, (await count()))
})
