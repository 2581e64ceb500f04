import { compactVerify, createLocalJWKSet, importJWK, jwtVerify, CompactSign, type JWK } from 'jose'
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { derToJose, joseToDer } from '../helpers/signatures.js'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { assertCovers, atRest } from '../helpers/at-rest.js'
import { apiClient, deploymentBody, refused } from '../helpers/http.js'
import { unzip } from '../helpers/unzip.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * Apinizer's key pages (create, list, get, update, delete), parse-from-key
 * and the PUBLIC_KEY / PRIVATE_KEY source types, against a real server over
 * HTTP, with keys OpenSSL makes in every format it writes: the documented
 * bodies and messages, keys OpenSSL and jose agree on, nothing in clear at rest.
 */
// One fixture directory, two parts: t.testdir() called twice would empty the data directory under the server.
const fixtures = t.testdir({ data: {}, openssl: {} })
const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'], dataDir: join(fixtures, 'data') })
await app.listen({ host: '127.0.0.1', port: 0 })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const base = `${origin}/apiops/projects/${PROJECT}`
const dir = join(fixtures, 'openssl')
const openssl = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const PASSPHRASE = 'correct horse battery staple'

const send = apiClient(base, auth)
const deployed = deploymentBody

/** A private key made by OpenSSL, and what OpenSSL says its public key and PKCS#8 are. */
function privateKey (name: string, genpkey: string[]): { path: string, pem: string, spki: Buffer, pkcs8: Buffer } {
  const path = join(dir, `${name}.pem`)
  openssl('genpkey', ...genpkey, '-out', path)
  return {
    path,
    pem: readFileSync(path, 'utf8'),
    spki: openssl('pkey', '-in', path, '-pubout', '-outform', 'DER'),
    pkcs8: openssl('pkey', '-in', path, '-outform', 'DER')
  }
}
const KINDS = [
  { name: 'rsa', genpkey: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'], keyType: 'RSA', alg: 'RS256', digest: '-sha256', size: 0 },
  { name: 'p256', genpkey: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], keyType: 'EC', alg: 'ES256', digest: '-sha256', size: 32 },
  { name: 'p384', genpkey: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], keyType: 'EC', alg: 'ES384', digest: '-sha384', size: 48 },
  { name: 'p521', genpkey: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], keyType: 'EC', alg: 'ES512', digest: '-sha512', size: 66 },
  { name: 'ed25519', genpkey: ['-algorithm', 'ED25519'], keyType: 'OKP', alg: 'EdDSA', digest: '', size: 0 }
]
const keys = Object.fromEntries(KINDS.map(kind => [kind.name, privateKey(kind.name, kind.genpkey)]))
const rsa = keys.rsa!

function signWithOpenssl (kind: typeof KINDS[number], keyPath: string, input: string): Buffer {
  const path = join(dir, 'input.txt')
  writeFileSync(path, input)
  if (kind.keyType === 'OKP') return openssl('pkeyutl', '-sign', '-rawin', '-inkey', keyPath, '-in', path)
  const signature = openssl('dgst', kind.digest, '-sign', keyPath, path)
  return kind.keyType === 'EC' ? derToJose(signature, kind.size) : signature
}
function verifyWithOpenssl (kind: typeof KINDS[number], keyPath: string, input: string, signature: Buffer): boolean {
  const inputPath = join(dir, 'verify-input.txt')
  const signaturePath = join(dir, 'verify.sig')
  const publicPath = join(dir, 'verify-public.pem')
  writeFileSync(inputPath, input)
  writeFileSync(signaturePath, kind.keyType === 'EC' ? joseToDer(signature) : signature)
  openssl('pkey', '-in', keyPath, '-pubout', '-out', publicPath)
  const args = kind.keyType === 'OKP'
    ? ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', publicPath, '-in', inputPath, '-sigfile', signaturePath]
    : ['dgst', kind.digest, '-verify', publicPath, '-signature', signaturePath, inputPath]
  try {
    openssl(...args)
    return true
  } catch {
    return false
  }
}

const documented = {
  name: 'my-key',
  description: 'Key for API encryption',
  keyType: 'RSA',
  cryptoKeyInfoEnvironmentList: [
    { environmentName: 'production', publicKey: rsa.spki.toString('base64'), privateKey: rsa.pkcs8.toString('base64') },
    { environmentName: 'staging', publicKey: rsa.spki.toString('base64') }
  ]
}

t.test('create, list, get as the documents show them', async t => {
  t.same(await send('POST', '/keys/', documented), { status: 200, json: deployed(['production', 'staging']) })
  const listed = await send('GET', '/keys/')
  t.equal(listed.status, 200)
  t.same(listed.json, {
    success: true,
    resultCount: 1,
    resultList: [{
      name: 'my-key',
      description: 'Key for API encryption',
      projectId: (await app.store.projects.findByName(PROJECT))!.id,
      keyType: 'RSA',
      cryptoKeyInfoEnvironmentList: [
        { environmentName: 'production', publicKey: rsa.spki.toString('base64'), hasPrivateKey: true },
        { environmentName: 'staging', publicKey: rsa.spki.toString('base64'), hasPrivateKey: false }
      ]
    }]
  }, 'the list has the public keys OpenSSL wrote, and no private key')
  const got = (await send('GET', '/keys/my-key/')).json.resultList[0]
  const production = got.cryptoKeyInfoEnvironmentList[0]
  writeFileSync(join(dir, 'got.der'), Buffer.from(production.privateKey, 'base64'))
  t.same(openssl('pkey', '-inform', 'DER', '-in', join(dir, 'got.der'), '-pubout', '-outform', 'DER'), rsa.spki, 'get has the private key: OpenSSL derives the same public key from it')
  t.equal(got.cryptoKeyInfoEnvironmentList[1].privateKey, undefined, 'staging was given the public key only')
  const publicOnly = (await send('GET', '/keys/my-key/?publicOnly=true')).json.resultList[0]
  t.notOk(publicOnly.cryptoKeyInfoEnvironmentList.some((copy: any) => 'privateKey' in copy), 'publicOnly leaves private keys out')
})

t.test('every format OpenSSL writes is read, and normalised to SPKI and PKCS#8', async t => {
  const p256 = keys.p256!
  const formats: Array<[string, Record<string, string>, Buffer]> = [
    ['PKCS#8 PEM', { privateKey: rsa.pem }, rsa.spki],
    ['PKCS#1 PEM (traditional)', { privateKey: openssl('pkey', '-in', rsa.path, '-traditional').toString() }, rsa.spki],
    ['PKCS#1 DER, base64', { privateKey: openssl('rsa', '-in', rsa.path, '-traditional', '-outform', 'DER').toString('base64') }, rsa.spki],
    ['encrypted PKCS#8 PEM', { privateKey: openssl('pkcs8', '-topk8', '-in', rsa.path, '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`).toString(), privateKeyPassword: PASSPHRASE }, rsa.spki],
    ['encrypted PKCS#8 DER, base64', { privateKey: openssl('pkcs8', '-topk8', '-in', p256.path, '-v2', 'aes-128-cbc', '-outform', 'DER', '-passout', `pass:${PASSPHRASE}`).toString('base64'), privateKeyPassword: PASSPHRASE }, p256.spki],
    ['legacy-encrypted SEC1 PEM', { privateKey: openssl('ec', '-in', p256.path, '-aes256', '-passout', `pass:${PASSPHRASE}`).toString(), privateKeyPassword: PASSPHRASE }, p256.spki],
    ['SEC1 DER, base64', { privateKey: openssl('ec', '-in', p256.path, '-outform', 'DER').toString('base64') }, p256.spki],
    ['base64 of a PEM', { privateKey: Buffer.from(p256.pem).toString('base64') }, p256.spki],
    ['SPKI PEM', { publicKey: openssl('pkey', '-in', p256.path, '-pubout').toString() }, p256.spki],
    ['PKCS#1 public PEM', { publicKey: openssl('rsa', '-in', rsa.path, '-RSAPublicKey_out').toString() }, rsa.spki],
    ['both, one pair', { publicKey: p256.spki.toString('base64'), privateKey: p256.pem }, p256.spki]
  ]
  for (const [index, [format, entry, spki]] of formats.entries()) {
    const name = `format-${index}`
    const answer = await send('POST', '/keys/', { name, cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', ...entry }] })
    t.same(answer, { status: 200, json: deployed(['production']) }, format)
    const copy = (await send('GET', `/keys/${name}/`)).json.resultList[0].cryptoKeyInfoEnvironmentList[0]
    t.equal(copy.publicKey, spki.toString('base64'), `${format}: the public key OpenSSL derives`)
    if (entry.privateKey !== undefined) {
      writeFileSync(join(dir, 'normalised.der'), Buffer.from(copy.privateKey, 'base64'))
      // OpenSSL writes PKCS#8 as PEM (its DER output of an RSA key is PKCS#1).
      const rewritten = openssl('pkey', '-inform', 'DER', '-in', join(dir, 'normalised.der')).toString()
      t.same([rewritten.split('\n')[0], Buffer.from(rewritten.replace(/-----[^-]+-----|\s/g, ''), 'base64')], ['-----BEGIN PRIVATE KEY-----', Buffer.from(copy.privateKey, 'base64')],
        `${format}: the private key comes back as unencrypted PKCS#8 that OpenSSL reads as such`)
    }
  }
})

t.test('documented and worded refusals, nothing half-written', async t => {
  await refused(t, send('POST', '/keys/', documented), 'Key (name: my-key) is already exist! Try update operation if want to change its value.')
  await refused(t, send('GET', '/keys/absent/'), 'Key (name: absent) is not found!')
  await refused(t, send('PUT', '/keys/absent/', { cryptoKeyInfoEnvironmentList: documented.cryptoKeyInfoEnvironmentList }), 'Key (name: absent) is not found!')
  await refused(t, send('DELETE', '/keys/absent/'), 'Key (name: absent) is not found!')
  const one = (entry: Record<string, string>, extra: object = {}): object => ({ name: 'refused', ...extra, cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', ...entry }] })
  const encrypted = openssl('pkcs8', '-topk8', '-in', rsa.path, '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`).toString()
  await refused(t, send('POST', '/keys/', one({ privateKey: encrypted })), 'privateKey is encrypted: give its passphrase in privateKeyPassword (environment: production)')
  await refused(t, send('POST', '/keys/', one({ privateKey: encrypted, privateKeyPassword: 'wrong' })), 'privateKey could not be decrypted with the privateKeyPassword given (environment: production)')
  await refused(t, send('POST', '/keys/', one({ privateKey: rsa.pem, privateKeyPassword: 'x' })), 'privateKey is not encrypted: leave privateKeyPassword out (environment: production)')
  await refused(t, send('POST', '/keys/', one({ publicKey: keys.p256!.spki.toString('base64'), privateKey: rsa.pem })), 'publicKey and privateKey are not one key pair (environment: production)')
  await refused(t, send('POST', '/keys/', one({})), 'publicKey or privateKey value can not be empty! (environment: production)')
  await refused(t, send('POST', '/keys/', one({ publicKey: keys.p256!.spki.toString('base64') }, { keyType: 'RSA' })), 'The key for environment (name: production) is EC, not RSA (keyType)')
  await refused(t, send('POST', '/keys/', { name: 'refused', cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', publicKey: rsa.spki.toString('base64') }, { environmentName: 'staging', publicKey: keys.p256!.spki.toString('base64') }] }),
    'The key for environment (name: staging) is EC, not RSA like the ones before it')
  await refused(t, send('POST', '/keys/', { name: 'refused', cryptoKeyInfoEnvironmentList: [{ environmentName: 'nowhere', publicKey: rsa.spki.toString('base64') }] }), 'Environment (name: nowhere) is not found!')
  await refused(t, send('POST', '/keys/', { name: 'refused', cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', publicKey: rsa.spki.toString('base64') }, { environmentName: 'production', publicKey: rsa.spki.toString('base64') }] }),
    'Environment (name: production) is listed twice')
  await refused(t, send('POST', '/keys/', { name: 'refused', cryptoKeyInfoEnvironmentList: [] }), 'cryptoKeyInfoEnvironmentList value can not be empty!')
  const small = privateKey('small', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'])
  await refused(t, send('POST', '/keys/', one({ privateKey: small.pem })), 'privateKey: RSA keys must be at least 2048 bits; this one is 1024 (environment: production)')
  const brainpool = privateKey('brainpool', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1'])
  await refused(t, send('POST', '/keys/', one({ privateKey: brainpool.pem })), 'privateKey uses a curve a JWK cannot carry; supported: P-256, P-384, P-521, secp256k1 (environment: production)')
  await refused(t, send('POST', '/keys/', one({ publicKey: readFileSync(rsa.path, 'utf8') })), 'publicKey holds a PRIVATE KEY block, not a PUBLIC KEY or a RSA PUBLIC KEY (environment: production)')
  await refused(t, send('PUT', '/keys/my-key/?updateReferencedJwks=true&updateScope=SAME_PROJECT', { cryptoKeyInfoEnvironmentList: documented.cryptoKeyInfoEnvironmentList }),
    'updateReferencedJwks is not supported: a JWK made from this key keeps its material; make it again with POST …/jwks/parse-from-key')
  t.same((await send('GET', '/keys/')).json.resultList.map((key: any) => key.name).filter((name: string) => !name.startsWith('format-')), ['my-key'], 'nothing half-written')
})

t.test('encrypted keys that would cost too much to open are refused unopened', async t => {
  const refusedFor = async (privateKey: string, message: string): Promise<void> =>
    await refused(t, send('POST', '/keys/', { name: 'costly', cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', privateKey, privateKeyPassword: PASSPHRASE }] }), `${message} (environment: production)`)
  const reencrypt = 're-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256`'
  await refusedFor(openssl('pkcs8', '-topk8', '-in', keys.p256!.path, '-v2', 'aes-256-cbc', '-iter', '1000001', '-passout', `pass:${PASSPHRASE}`).toString(),
    'privateKey asks for 1000001 PBKDF2 iterations; at most 1000000')
  await refusedFor(openssl('pkcs8', '-topk8', '-in', keys.p256!.path, '-scrypt', '-passout', `pass:${PASSPHRASE}`).toString(),
    `privateKey derives its encryption key with 1.3.6.1.4.1.11591.4.11, not PBKDF2; ${reencrypt}`)
  await refusedFor(openssl('pkcs8', '-topk8', '-in', keys.p256!.path, '-v1', 'PBE-SHA1-3DES', '-passout', `pass:${PASSPHRASE}`).toString(),
    `privateKey is encrypted with a legacy scheme (1.2.840.113549.1.12.1.3); ${reencrypt}`)
})

t.test('JWKs from keys: OpenSSL\'s signatures verify with them in jose, and theirs in OpenSSL', async t => {
  for (const kind of KINDS) {
    const key = keys[kind.name]!
    t.same(await send('POST', '/keys/', { name: `key-${kind.name}`, cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', privateKey: key.pem }, { environmentName: 'staging', publicKey: key.spki.toString('base64') }] }),
      { status: 200, json: deployed(['production', 'staging']) })
    const body = { name: `jwk-${kind.name}`, description: 'JWK from key', keyName: `key-${kind.name}`, environmentName: 'production', useType: 'SIGNATURE', algorithm: kind.alg }
    t.same(await send('POST', '/jwks/parse-from-key', body), { status: 200, json: deployed(['production', 'staging']) }, `${kind.name}: parse-from-key deploys like any JWK`)
    const detail = (await send('GET', `/jwks/jwk-${kind.name}/`)).json.resultList[0]
    const jwk = detail[detail.type.toLowerCase()] as JWK
    t.same([detail.sourceType, detail.sourceId, jwk.alg, jwk.use], ['PRIVATE_KEY', (await app.store.keys.findByName((await app.store.projects.findByName(PROJECT))!.id, `key-${kind.name}`))!.id, kind.alg, 'sig'])
    t.type(jwk.d, 'string', `${kind.name}: a copy with a private key gives a JWK with its private members`)

    const header = Buffer.from(JSON.stringify({ alg: kind.alg })).toString('base64url')
    const payload = Buffer.from(JSON.stringify({ sub: kind.name, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')
    const signature = signWithOpenssl(kind, key.path, `${header}.${payload}`).toString('base64url')
    const verified = await compactVerify(`${header}.${payload}.${signature}`, await importJWK({ ...jwk, d: undefined }, kind.alg))
    t.equal(JSON.parse(Buffer.from(verified.payload).toString()).sub, kind.name, `${kind.name}: OpenSSL's signature verifies with the JWK in jose`)
    const set = await (await fetch(`${origin}/environments/production/projects/${PROJECT}/jwks.json`)).json() as { keys: JWK[] }
    t.equal((await jwtVerify(`${header}.${payload}.${signature}`, createLocalJWKSet(set))).payload.sub, kind.name, `${kind.name}: and with the public JWK Set`)
    const jws = await new CompactSign(new TextEncoder().encode('signed by jose')).setProtectedHeader({ alg: kind.alg }).sign(await importJWK(jwk, kind.alg))
    const [protectedHeader, joseePayload, joseSignature] = jws.split('.') as [string, string, string]
    t.ok(verifyWithOpenssl(kind, key.path, `${protectedHeader}.${joseePayload}`, Buffer.from(joseSignature, 'base64url')), `${kind.name}: jose's signature with the JWK verifies in OpenSSL`)

    const fromStaging = { ...body, name: `public-${kind.name}`, environmentName: 'staging' }
    t.equal((await send('POST', '/jwks/parse-from-key', fromStaging)).status, 200)
    const publicDetail = (await send('GET', `/jwks/public-${kind.name}/`)).json.resultList[0]
    t.same([publicDetail.sourceType, publicDetail[publicDetail.type.toLowerCase()].d], ['PUBLIC_KEY', undefined], `${kind.name}: a public-only copy gives a public JWK`)
  }
})

t.test('create with source type PUBLIC_KEY / PRIVATE_KEY: the documented body and errors', async t => {
  const body = { name: 'jwk-from-key', sourceType: 'PUBLIC_KEY', keyName: 'my-key', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }
  t.same(await send('POST', '/jwks/', body), { status: 200, json: deployed(['production', 'staging']) })
  const jwk = (await send('GET', '/jwks/jwk-from-key/')).json.resultList[0].rsa
  t.same([jwk.d, jwk.alg, jwk.use], [undefined, 'RS256', 'sig'], 'PUBLIC_KEY takes the public part even when the key has a private one')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', keyName: undefined }), 'Key name is required for PUBLIC_KEY source type!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', sourceType: 'PRIVATE_KEY', environmentName: undefined }), 'Environment name is required for PRIVATE_KEY source type!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', keyName: 'nope' }), 'Key (name: nope) is not found!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', sourceType: 'PRIVATE_KEY', environmentName: 'staging' }),
    'Key (name: my-key) has no private key in environment (name: staging); use source type PUBLIC_KEY')
  t.equal((await send('POST', '/keys/', { name: 'staging-only', cryptoKeyInfoEnvironmentList: [{ environmentName: 'staging', publicKey: rsa.spki.toString('base64') }] })).status, 200)
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', keyName: 'staging-only' }), 'Key (name: staging-only) is not deployed to environment (name: production)')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', certificateName: 'c' }), 'certificateName is only used with source type CERTIFICATE')
  await refused(t, send('POST', '/jwks/', { name: 'n2', sourceType: 'COPY_PASTE', jwkStr: '{}', keyName: 'k' }), 'keyName is only used with source type PUBLIC_KEY or PRIVATE_KEY')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', useType: 'ENCRYPTION' }), 'algorithm RS256 is for SIGNATURE keys, but useType is ENCRYPTION')
  await refused(t, send('POST', '/jwks/parse-from-key', { name: 'n2', keyName: 'absent', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }), 'Key (name: absent) is not found!')
})

t.test('export-file: one environment as PEM, every environment in a ZIP that Python reads', async t => {
  const key = keys.ed25519!
  const one = await fetch(`${base}/keys/key-ed25519/export-file/?environmentName=production`, { headers: auth })
  t.equal(one.status, 200)
  t.match(one.headers.get('content-type'), /^application\/x-pem-file/)
  t.match(one.headers.get('content-disposition'), /^attachment; filename="key-ed25519-production\.pem"/)
  t.equal(one.headers.get('cache-control'), 'no-store')
  const pem = await one.text()
  writeFileSync(join(dir, 'exported.pem'), pem)
  t.same([pem.split('\n')[0], openssl('pkey', '-in', join(dir, 'exported.pem'), '-pubout', '-outform', 'DER')], ['-----BEGIN PRIVATE KEY-----', key.spki], 'the private key, which OpenSSL reads')

  const all = await fetch(`${base}/keys/key-ed25519/export-file/`, { headers: auth })
  t.match(all.headers.get('content-disposition'), /^attachment; filename="key-ed25519-keys\.zip"/)
  t.equal(all.headers.get('content-type'), 'application/octet-stream')
  const entries = unzip(Buffer.from(await all.arrayBuffer()))
  t.same(Object.keys(entries), ['key-ed25519-production.pem', 'key-ed25519-staging.pem'])
  t.equal(entries['key-ed25519-production.pem']!.toString(), pem, 'the same PEM inside the ZIP')
  t.equal(entries['key-ed25519-staging.pem']!.toString(), openssl('pkey', '-in', key.path, '-pubout').toString(), 'staging holds the public key only: its SPKI, as OpenSSL writes it')
  const publicOnly = unzip(Buffer.from(await (await fetch(`${base}/keys/key-ed25519/export-file/?publicOnly=true`, { headers: auth })).arrayBuffer()))
  t.ok(Object.values(publicOnly).every(file => file.toString().startsWith('-----BEGIN PUBLIC KEY-----')), 'publicOnly: no private key in the archive')

  await refused(t, send('GET', '/keys/key-ed25519/export-file/?environmentName=nowhere'), '(key-ed25519) has no material for environment (nowhere)! Available: production, staging')
  await refused(t, send('GET', '/keys/absent/export-file/'), 'Key (name: absent) is not found!')
})

t.test('nothing private in clear at rest; a master-key rotation re-seals the keys', async t => {
  const rest = atRest(dataDir)
  const everything = rest
  assertCovers(t, rest, ['production', 'staging'])
  for (const kind of KINDS) {
    const { pkcs8, spki } = keys[kind.name]!
    t.notOk(everything.includes(pkcs8) || everything.includes(pkcs8.toString('base64')), `${kind.name}: its PKCS#8 is not at rest`)
    t.ok(everything.includes(spki), `${kind.name}: the same search finds its public key`)
  }
  t.notOk(everything.includes(PASSPHRASE), 'no passphrase at rest')

  const before = (await send('GET', '/keys/key-p256/')).json.resultList[0]
  const io = { out: () => {}, err: (line: string) => t.comment(line) }
  t.equal(await runCli(['master-key', 'rotate'], dataEnv(dataDir), io), 0)
  t.same((await send('GET', '/keys/key-p256/')).json.resultList[0], before, 'the running server opens the re-sealed keys')
})

t.test('update replaces every copy and may rename; delete undeploys and detaches the JWKs made from it', async t => {
  const p384 = keys.p384!
  t.same(await send('PUT', '/keys/key-p256/', { name: 'renamed', description: 'now P-384', keyType: 'EC', cryptoKeyInfoEnvironmentList: [{ environmentName: 'staging', privateKey: p384.pem }] }),
    { status: 200, json: deployed(['staging']) })
  await refused(t, send('GET', '/keys/key-p256/'), 'Key (name: key-p256) is not found!')
  const renamed = (await send('GET', '/keys/renamed/')).json.resultList[0]
  t.same([renamed.description, renamed.cryptoKeyInfoEnvironmentList.map((copy: any) => [copy.environmentName, copy.publicKey])], ['now P-384', [['staging', p384.spki.toString('base64')]]])
  await refused(t, send('PUT', '/keys/renamed/', { name: 'my-key', cryptoKeyInfoEnvironmentList: [{ environmentName: 'staging', privateKey: p384.pem }] }),
    'Key (name: my-key) is already exist! Try update operation if want to change its value.')

  const jwkBefore = (await send('GET', '/jwks/jwk-from-key/')).json.resultList[0]
  t.same(await send('DELETE', '/keys/my-key/'), { status: 200, json: deployed(['production', 'staging'], 'Undeployment') })
  await refused(t, send('GET', '/keys/my-key/'), 'Key (name: my-key) is not found!')
  const jwkAfter = (await send('GET', '/jwks/jwk-from-key/')).json.resultList[0]
  t.same([jwkAfter.sourceType, jwkAfter.sourceId, jwkAfter.rsa], ['PUBLIC_KEY', null, jwkBefore.rsa], 'the JWK keeps its key and no longer points at the deleted one')
  for (const { name } of (await send('GET', '/jwks/')).json.resultList) t.equal((await send('DELETE', `/jwks/${name}/`)).status, 200)
  const errors: string[] = []
  t.equal(await runCli(['project', 'delete', PROJECT], dataEnv(dataDir), { out: () => {}, err: line => errors.push(line) }), 1, 'a project with keys is not deleted')
  t.match(errors.join('\n'), /still has \d+ key\(s\); delete them first/)
})
