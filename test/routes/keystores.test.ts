import { compactVerify, createLocalJWKSet, importJWK, jwtVerify, CompactSign, type JWK } from 'jose'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { atRest } from '../helpers/at-rest.js'
import { apiClient, deploymentBody, refused } from '../helpers/http.js'
import { derToJose, joseToDer } from '../helpers/signatures.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * Apinizer's keystore pages (create, list, get, update, delete),
 * parse-from-keystore and the KEYSTORE source type against a real server
 * over HTTP: PKCS#12 files OpenSSL makes and a JKS keytool made, signatures
 * OpenSSL and jose agree on, no password or private key in clear at rest.
 */
// One fixture directory, two parts: t.testdir() called twice would empty the data directory under the server.
const fixtures = t.testdir({ data: {}, openssl: {} })
const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'], dataDir: join(fixtures, 'data') })
await app.listen({ host: '127.0.0.1', port: 0 })
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const send = apiClient(`${origin}/apiops/projects/${PROJECT}`, auth)
const dir = join(fixtures, 'openssl')
const openssl = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const PASSWORD = 'keystore password 7'
const jks = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'keystores', 'java.jks')).toString('base64')

openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'rsa.key')
openssl('req', '-x509', '-new', '-key', 'rsa.key', '-subj', '/CN=signer', '-days', '2', '-out', 'rsa.crt')
openssl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.crt', '-name', 'signer', '-passout', `pass:${PASSWORD}`, '-out', 'rsa.p12')
const p12 = readFileSync(join(dir, 'rsa.p12')).toString('base64')
const pkcs8 = openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'rsa.key', '-outform', 'DER')

t.test('create, list and get as the documents show them; the documented refusals', async t => {
  const body = {
    name: 'my-keystore',
    description: 'Keystore for API security',
    keyStoreEnvironmentList: [
      { environmentName: 'production', type: 'PKCS12', file: p12, password: PASSWORD },
      { environmentName: 'staging', type: 'JKS', file: jks, password: 'changeit' }
    ]
  }
  t.same(await send('POST', '/keystores/', body), { status: 200, json: deploymentBody(['production', 'staging']) })
  await refused(t, send('POST', '/keystores/', body), 'Keystore (name: my-keystore) is already exist! Try update operation if want to change its value.')
  const projectId = (await app.store.projects.findByName(PROJECT))!.id
  const listed = (await send('GET', '/keystores/')).json
  // keytool's order of aliases is the file's; compared by name
  const byName = (list: any[]): any[] => [...list].sort((a, b) => a.aliasName.localeCompare(b.aliasName))
  t.same({ ...listed, resultList: listed.resultList.map((one: any) => ({ ...one, keyStoreEnvironmentList: one.keyStoreEnvironmentList.map((copy: any) => ({ ...copy, aliasList: byName(copy.aliasList) })) })) }, {
    success: true,
    resultList: [{
      name: 'my-keystore',
      description: 'Keystore for API security',
      projectId,
      keyStoreEnvironmentList: [
        { environmentName: 'production', type: 'PKCS12', aliasList: [{ aliasName: 'signer', keyType: 'RSA', hasPrivateKey: true }] },
        {
          environmentName: 'staging',
          type: 'JKS',
          aliasList: [
            { aliasName: 'java-p384', keyType: 'EC', hasPrivateKey: true },
            { aliasName: 'java-rsa', keyType: 'RSA', hasPrivateKey: true },
            { aliasName: 'trusted-ca', keyType: 'RSA', hasPrivateKey: false }
          ]
        }
      ]
    }],
    resultCount: 1
  }, 'the list names the aliases and leaves the files out')
  const got = (await send('GET', '/keystores/my-keystore/')).json.resultList[0]
  t.same(got.keyStoreEnvironmentList.map((copy: any) => copy.file), [p12, jks], 'get gives each file as sent')
  t.same((await send('GET', '/keystores/my-keystore/?withFile=false')).json.resultList[0], listed.resultList[0])

  await refused(t, send('GET', '/keystores/absent/'), 'Keystore (name: absent) is not found!')
  await refused(t, send('POST', '/keystores/', { ...body, name: 'wrong', keyStoreEnvironmentList: [{ environmentName: 'production', type: 'PKCS12', file: p12, password: 'nope' }] }),
    'The keystore password is wrong, or the file is damaged (environment: production)')
  await refused(t, send('POST', '/keystores/', { ...body, name: 'swapped', keyStoreEnvironmentList: [{ environmentName: 'production', type: 'JKS', file: p12, password: PASSWORD }] }),
    'The keystore is not a JKS file (environment: production)')
  await refused(t, send('POST', '/keystores/', { ...body, name: 'nowhere', keyStoreEnvironmentList: [{ environmentName: 'nowhere', type: 'JKS', file: jks, password: 'changeit' }] }),
    'Environment (name: nowhere) is not found!')
  await refused(t, send('POST', '/keystores/', { ...body, name: 'empty', keyStoreEnvironmentList: [] }), 'keyStoreEnvironmentList value can not be empty!')
  const badType = await send('POST', '/keystores/', { ...body, name: 'bad-type', keyStoreEnvironmentList: [{ environmentName: 'production', type: 'JCEKS', file: jks, password: 'x' }] })
  t.same([badType.status, badType.json.error], [400, 'bad_request'], 'an unknown type is a worded 400')
})

t.test('JWKs from keystore aliases: OpenSSL\'s signature verifies with them in jose, and theirs in OpenSSL', async t => {
  const body = { name: 'jwk-from-keystore', description: 'JWK from keystore', keyStoreName: 'my-keystore', environmentName: 'production', aliasName: 'signer', useType: 'SIGNATURE', algorithm: 'RS256' }
  t.same(await send('POST', '/jwks/parse-from-keystore', body), { status: 200, json: deploymentBody(['production', 'staging']) })
  const detail = (await send('GET', '/jwks/jwk-from-keystore/')).json.resultList[0]
  const jwk = detail.rsa as JWK
  const keystoreId = (await app.store.keystores.findByName((await app.store.projects.findByName(PROJECT))!.id, 'my-keystore'))!.id
  t.same([detail.sourceType, detail.sourceId, jwk.alg, jwk.use, typeof jwk.d], ['KEYSTORE', keystoreId, 'RS256', 'sig', 'string'])
  const certificate = new X509Certificate(readFileSync(join(dir, 'rsa.crt')))
  t.same(jwk.x5c, [certificate.raw.toString('base64')], 'the alias\'s certificate as x5c')

  const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url')
  const payload = Buffer.from(JSON.stringify({ sub: 'from-keystore', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')
  writeFileSync(join(dir, 'input.txt'), `${header}.${payload}`)
  const signature = openssl('dgst', '-sha256', '-sign', 'rsa.key', 'input.txt').toString('base64url')
  const set = await (await fetch(`${origin}/environments/production/projects/${PROJECT}/jwks.json`)).json() as { keys: JWK[] }
  t.equal((await jwtVerify(`${header}.${payload}.${signature}`, createLocalJWKSet(set))).payload.sub, 'from-keystore', 'OpenSSL\'s signature verifies against the public JWK Set')
  t.notOk(set.keys.some(key => 'd' in key), 'the public set holds no private member')
  const jws = await new CompactSign(new TextEncoder().encode('signed by jose')).setProtectedHeader({ alg: 'RS256' }).sign(await importJWK(jwk, 'RS256'))
  const [protectedHeader, josePayload, joseSignature] = jws.split('.') as [string, string, string]
  writeFileSync(join(dir, 'jose-input.txt'), `${protectedHeader}.${josePayload}`)
  writeFileSync(join(dir, 'jose.sig'), Buffer.from(joseSignature, 'base64url'))
  writeFileSync(join(dir, 'rsa.pub'), openssl('x509', '-in', 'rsa.crt', '-pubkey', '-noout'))
  t.match(openssl('dgst', '-sha256', '-verify', 'rsa.pub', '-signature', 'jose.sig', 'jose-input.txt').toString(), /Verified OK/, 'jose\'s signature with the JWK verifies in OpenSSL')
  t.ok(await compactVerify(jws, await importJWK({ ...jwk, d: undefined }, 'RS256')))

  t.equal((await send('POST', '/jwks/', { ...body, name: 'jks-p384', sourceType: 'KEYSTORE', environmentName: 'staging', aliasName: 'java-p384', algorithm: 'ES384' })).status, 200, 'the KEYSTORE source type, from the JKS copy')
  const trusted = (await send('POST', '/jwks/parse-from-keystore', { ...body, name: 'trusted', environmentName: 'staging', aliasName: 'trusted-ca' }))
  t.equal(trusted.status, 200)
  t.equal((await send('GET', '/jwks/trusted/')).json.resultList[0].rsa.d, undefined, 'a certificate alias gives a public JWK')
  await refused(t, send('POST', '/jwks/parse-from-keystore', { ...body, name: 'x', aliasName: 'absent' }),
    'Keystore (name: my-keystore) has no alias (name: absent) in environment (name: production); its aliases: signer')
  await refused(t, send('POST', '/jwks/parse-from-keystore', { ...body, name: 'x', keyStoreName: 'absent' }), 'Keystore (name: absent) is not found!')
  await refused(t, send('POST', '/jwks/', { name: 'x', sourceType: 'KEYSTORE', keyStoreName: 'my-keystore', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }),
    'Alias name is required for KEYSTORE source type!')
})

t.test('nothing private in clear at rest; a master-key rotation re-seals the keystores', async t => {
  const everything = atRest(dataDir)
  t.notOk(everything.includes(pkcs8) || everything.includes(pkcs8.toString('base64')), 'the keystore\'s key is not at rest in clear')
  t.notOk(everything.includes(p12) || everything.includes(Buffer.from(p12, 'base64')), 'nor its file')
  t.notOk(everything.includes(PASSWORD) || everything.includes('changeit'), 'nor a password')
  t.ok(everything.includes('signer'), 'the same search finds its alias')

  const before = (await send('GET', '/keystores/my-keystore/')).json.resultList[0]
  t.equal(await runCli(['master-key', 'rotate'], dataEnv(dataDir), { out: () => {}, err: (line: string) => t.comment(line) }), 0)
  t.same((await send('GET', '/keystores/my-keystore/')).json.resultList[0], before, 'the running server opens the re-sealed keystores')
})

t.test('update replaces every copy and may rename; delete undeploys and detaches the JWKs made from it', async t => {
  await refused(t, send('PUT', '/keystores/my-keystore/?updateReferencedJwks=true&updateScope=SAME_PROJECT', { keyStoreEnvironmentList: [{ environmentName: 'staging', type: 'JKS', file: jks, password: 'changeit' }] }),
    'updateReferencedJwks is not supported: a JWK made from this keystore keeps its material; make it again with POST …/jwks/parse-from-keystore')
  t.same(await send('PUT', '/keystores/my-keystore/', { name: 'renamed', keyStoreEnvironmentList: [{ environmentName: 'staging', type: 'JKS', file: jks, password: 'changeit' }] }),
    { status: 200, json: deploymentBody(['staging']) })
  await refused(t, send('GET', '/keystores/my-keystore/'), 'Keystore (name: my-keystore) is not found!')
  t.same((await send('GET', '/keystores/renamed/')).json.resultList[0].keyStoreEnvironmentList.map((copy: any) => copy.environmentName), ['staging'])
  await refused(t, send('PUT', '/keystores/absent/', { keyStoreEnvironmentList: [{ environmentName: 'staging', type: 'JKS', file: jks, password: 'changeit' }] }), 'Keystore (name: absent) is not found!')

  const jwkBefore = (await send('GET', '/jwks/jwk-from-keystore/')).json.resultList[0]
  t.same(await send('DELETE', '/keystores/renamed/'), { status: 200, json: deploymentBody(['staging'], 'Undeployment') })
  await refused(t, send('DELETE', '/keystores/renamed/'), 'Keystore (name: renamed) is not found!')
  const jwkAfter = (await send('GET', '/jwks/jwk-from-keystore/')).json.resultList[0]
  t.same([jwkAfter.sourceId, jwkAfter.rsa], [null, jwkBefore.rsa], 'the JWK keeps its key and no longer points at the deleted keystore')
})

const CURVES = [
  { name: 'p256', key: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], alg: 'ES256', digest: '-sha256', size: 32 },
  { name: 'p384', key: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], alg: 'ES384', digest: '-sha384', size: 48 },
  { name: 'p521', key: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], alg: 'ES512', digest: '-sha512', size: 66 },
  { name: 'ed25519', key: ['-algorithm', 'ED25519'], alg: 'EdDSA' }
]

t.test('EC and Ed25519 PKCS#12 keystores: OpenSSL\'s signatures verify against the public set, jose\'s with the JWK in OpenSSL', async t => {
  for (const curve of CURVES) {
    openssl('genpkey', ...curve.key, '-out', `${curve.name}.key`)
    openssl('req', '-x509', '-new', '-key', `${curve.name}.key`, '-subj', `/CN=${curve.name}`, '-days', '2', '-out', `${curve.name}.crt`)
    openssl('pkcs12', '-export', '-inkey', `${curve.name}.key`, '-in', `${curve.name}.crt`, '-name', curve.name, '-passout', `pass:${PASSWORD}`, '-out', `${curve.name}.p12`)
    const file = readFileSync(join(dir, `${curve.name}.p12`)).toString('base64')
    t.equal((await send('POST', '/keystores/', { name: `store-${curve.name}`, keyStoreEnvironmentList: [{ environmentName: 'production', type: 'PKCS12', file, password: PASSWORD }] })).status, 200)
    // The KEYSTORE source type with a kid: relying parties pick the key by the token's kid.
    const body = { name: `jwk-${curve.name}`, sourceType: 'KEYSTORE', kid: `kid-${curve.name}`, keyStoreName: `store-${curve.name}`, environmentName: 'production', aliasName: curve.name, useType: 'SIGNATURE', algorithm: curve.alg }
    t.same(await send('POST', '/jwks/', body), { status: 200, json: deploymentBody(['production', 'staging']) }, `${curve.name}: deployed`)
    const detail = (await send('GET', `/jwks/jwk-${curve.name}/`)).json.resultList[0]
    const jwk = detail[detail.type.toLowerCase()] as JWK
    t.same([jwk.kid, jwk.x5c], [`kid-${curve.name}`, [new X509Certificate(readFileSync(join(dir, `${curve.name}.crt`))).raw.toString('base64')]], `${curve.name}: the kid asked for, the alias's certificate as x5c`)

    const signingInput = `${Buffer.from(JSON.stringify({ alg: curve.alg, kid: jwk.kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: curve.name, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}`
    writeFileSync(join(dir, 'input.txt'), signingInput)
    const raw = curve.digest === undefined
      ? openssl('pkeyutl', '-sign', '-rawin', '-inkey', `${curve.name}.key`, '-in', 'input.txt')
      : derToJose(openssl('dgst', curve.digest, '-sign', `${curve.name}.key`, 'input.txt'), curve.size)
    const set = await (await fetch(`${origin}/environments/production/projects/${PROJECT}/jwks.json`)).json() as { keys: JWK[] }
    t.equal((await jwtVerify(`${signingInput}.${raw.toString('base64url')}`, createLocalJWKSet(set))).payload.sub, curve.name, `${curve.name}: OpenSSL's signature verifies against the public JWK Set`)

    const jws = await new CompactSign(new TextEncoder().encode(`signed by jose with ${curve.name}`)).setProtectedHeader({ alg: curve.alg }).sign(await importJWK(jwk, curve.alg))
    const [protectedHeader, josePayload, joseSignature] = jws.split('.') as [string, string, string]
    writeFileSync(join(dir, 'jose-input.txt'), `${protectedHeader}.${josePayload}`)
    const signature = Buffer.from(joseSignature, 'base64url')
    writeFileSync(join(dir, 'jose.sig'), curve.digest === undefined ? signature : joseToDer(signature))
    writeFileSync(join(dir, `${curve.name}.pub`), openssl('x509', '-in', `${curve.name}.crt`, '-pubkey', '-noout'))
    const verified = curve.digest === undefined
      ? openssl('pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', `${curve.name}.pub`, '-sigfile', 'jose.sig', '-in', 'jose-input.txt')
      : openssl('dgst', curve.digest, '-verify', `${curve.name}.pub`, '-signature', 'jose.sig', 'jose-input.txt')
    t.match(verified.toString(), /Verified Successfully|Verified OK/, `${curve.name}: jose's signature with the JWK verifies in OpenSSL`)
  }
})
