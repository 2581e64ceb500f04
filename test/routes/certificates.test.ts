import { compactVerify, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { issueToken } from '../../src/auth/tokens.js'
import { runCli } from '../../src/cli/run-cli.js'
import { derToJose } from '../helpers/signatures.js'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { apiClient, deploymentBody, refused } from '../helpers/http.js'
import { unzip } from '../helpers/unzip.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * Apinizer's certificate pages (create, list, get, update, delete) and
 * parse-from-certificate, against a real server over HTTP, with certificates
 * OpenSSL makes: the documented requests and answers, every documented
 * message verbatim, and JWKs whose x5c and key OpenSSL and jose agree on.
 */
// One fixture directory, two parts: t.testdir() called twice would empty the data directory under the server.
const fixtures = t.testdir({ data: {}, openssl: {} })
const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'], dataDir: join(fixtures, 'data') })
await app.listen({ host: '127.0.0.1', port: 0 })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/apiops/projects/${PROJECT}`
const dir = join(fixtures, 'openssl')
const openssl = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir })

/** A self-signed certificate and its key, made by OpenSSL. */
function certificate (name: string, keyArgs: string[], subject = '/CN=example.com/O=Example Inc/C=US'): { pem: string, keyPath: string, der: Buffer } {
  const keyPath = join(dir, `${name}.key`)
  const certPath = join(dir, `${name}.pem`)
  openssl('req', '-x509', ...keyArgs, '-nodes', '-keyout', keyPath, '-out', certPath, '-subj', subject, '-days', '30')
  return { pem: readFileSync(certPath, 'utf8'), keyPath, der: openssl('x509', '-in', certPath, '-outform', 'DER') }
}

const form = (fields: Record<string, string | undefined>, file?: string): FormData => {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) data.append(name, value)
  if (file !== undefined) data.append('pemEncodedFile', new Blob([file]), 'certificate.pem')
  return data
}
const send = apiClient(base, auth)
const deployed = deploymentBody

const rsa = certificate('rsa', ['-newkey', 'rsa:2048'])
const documented = { certificateName: 'my-certificate', alias: 'my-cert-alias', certificateDescription: 'SSL certificate for API', environmentList: 'production,staging' }

t.test('create, list, get as the documents show them', async t => {
  t.same(await send('POST', '/certificates/', form(documented, rsa.pem)), { status: 200, json: deployed(['production', 'staging']) })
  const sha1 = openssl('x509', '-in', join(dir, 'rsa.pem'), '-noout', '-fingerprint', '-sha1').toString().trim().split('=')[1]!.replaceAll(':', '')
  const x509 = new X509Certificate(rsa.der)
  const listed = await send('GET', '/certificates/')
  t.equal(listed.status, 200)
  t.same(listed.json.resultList.map((item: any) => item.name), ['my-certificate'])
  const entry = listed.json.resultList[0].certificateEnvironmentList[0]
  t.same(entry, {
    environmentName: 'production',
    startDate: new Date(x509.validFrom).toISOString(),
    endDate: new Date(x509.validTo).toISOString(),
    sha1Thumbprint: sha1,
    subjectDn: 'CN=example.com, O=Example Inc, C=US',
    alias: 'my-cert-alias'
  }, 'the list leaves the file content out, as documented')
  const got = await send('GET', '/certificates/my-certificate/')
  t.equal(got.json.resultList[0].description, 'SSL certificate for API')
  t.same(got.json.resultList[0].certificateEnvironmentList.map((copy: any) => [copy.environmentName, copy.base64EncodedContent]),
    [['production', rsa.der.toString('base64')], ['staging', rsa.der.toString('base64')]], 'get has the DER OpenSSL wrote, per environment')
})

t.test('export: a ZIP of one DER .cer per environment, as Python and OpenSSL read it', async t => {
  const response = await fetch(`${base}/certificates/my-certificate/export/`, { headers: auth })
  t.equal(response.status, 200)
  t.equal(response.headers.get('content-type'), 'application/octet-stream')
  t.match(response.headers.get('content-disposition'), /^attachment; filename="my-certificate-certificates\.zip"/)
  const archive = Buffer.from(await response.arrayBuffer())
  t.equal(Number(response.headers.get('content-length')), archive.length)
  const entries = unzip(archive)
  t.same(Object.keys(entries), ['my-certificate-production.cer', 'my-certificate-staging.cer'])
  t.ok(Object.values(entries).every(der => der.equals(rsa.der)), 'each file is the DER OpenSSL wrote')
  writeFileSync(join(dir, 'exported.cer'), entries['my-certificate-production.cer']!)
  t.match(openssl('x509', '-inform', 'DER', '-in', join(dir, 'exported.cer'), '-noout', '-subject').toString(), /CN ?= ?example\.com/)
  await refused(t, send('GET', '/certificates/absent/export/'), 'Certificate (name: absent) is not found!')
})

t.test('every documented refusal, verbatim', async t => {
  const without = (field: string): Record<string, string | undefined> => ({ ...documented, certificateName: 'other', alias: 'other-alias', [field]: undefined })
  await refused(t, send('POST', '/certificates/', form(without('certificateName'), rsa.pem)), 'certificateName value can not be empty!')
  await refused(t, send('POST', '/certificates/', form(without('alias'), rsa.pem)), 'alias value can not be empty!')
  await refused(t, send('POST', '/certificates/', form(without('environmentList'), rsa.pem)), 'environmentList value can not be empty!')
  await refused(t, send('POST', '/certificates/', form(without('nothing'))), 'pemEncodedFile value can not be empty!')
  await refused(t, send('POST', '/certificates/', form(without('nothing'), '')), 'pemEncodedFile value can not be empty!')
  await refused(t, send('POST', '/certificates/', form({ ...documented, alias: 'fresh' }, rsa.pem)), 'Certificate (name: my-certificate) is already exist!')
  await refused(t, send('POST', '/certificates/', form({ ...documented, certificateName: 'second' }, rsa.pem)), 'Alias (my-cert-alias) is already used for another certificate, try changing this value!')
  await refused(t, send('POST', '/certificates/', form({ ...documented, certificateName: 'second', alias: 'a2', environmentList: 'production,nowhere' }, rsa.pem)), 'Environment (name: nowhere) is not found!')
  await refused(t, send('GET', '/certificates/absent/'), 'Certificate (name: absent) is not found!')
  await refused(t, send('DELETE', '/certificates/absent/'), 'Certificate (name: absent) is not found!')
  t.same((await send('GET', '/certificates/')).json.resultList.map((item: any) => item.name), ['my-certificate'], 'nothing half-written')
})

t.test('hostile files: only worded 4xx', async t => {
  const body = rsa.pem.split('\n')
  const truncated = [...body.slice(0, 5), '-----END CERTIFICATE-----', ''].join('\n')
  const fields = { ...documented, certificateName: 'hostile', alias: 'hostile' }
  await refused(t, send('POST', '/certificates/', form(fields, truncated)), 'pemEncodedFile is not a readable X.509 certificate')
  await refused(t, send('POST', '/certificates/', form(fields, 'just text')), 'pemEncodedFile holds no PEM block; it must hold one certificate between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----')
  await refused(t, send('POST', '/certificates/', form(fields, readFileSync(rsa.keyPath, 'utf8'))), 'pemEncodedFile holds a PRIVATE KEY block, not a CERTIFICATE')
  await refused(t, send('POST', '/certificates/', form(fields, rsa.pem + rsa.pem)), 'pemEncodedFile holds 2 certificates; upload one certificate per file')
  const huge = await send('POST', '/certificates/', form(fields, rsa.pem + 'x'.repeat(70 * 1024)))
  t.same(huge, { status: 413, json: { error: 'payload_too_large', error_description: 'Request body is larger than 65536 bytes' } })
  await refused(t, send('POST', '/certificates/', form({ ...fields, extra: 'x' }, rsa.pem)), 'Unknown form field: "extra"')
  await refused(t, send('POST', '/certificates/', { certificateName: 'json' }), 'Send the certificate as multipart/form-data (fields and a pemEncodedFile part)')
  // A certificate with a 40 KiB extension still parses (the size limit is what bounds it).
  writeFileSync(join(dir, 'big.cnf'), `[req]\ndistinguished_name=dn\n[dn]\n[ext]\nnsComment=${'A'.repeat(40 * 1024)}\n`)
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'big.key'), '-out', join(dir, 'big.pem'),
    '-subj', '/CN=big', '-days', '1', '-config', join(dir, 'big.cnf'), '-extensions', 'ext')
  t.equal((await send('POST', '/certificates/', form({ ...fields, certificateName: 'big', alias: 'big' }, readFileSync(join(dir, 'big.pem'), 'utf8')))).status, 200, 'a large extension within the limit')
})

const KINDS = [
  { name: 'rsa', key: ['-newkey', 'rsa:2048'], alg: 'RS256', sign: (keyPath: string, input: string) => signFile(['dgst', '-sha256', '-sign', keyPath], input) },
  { name: 'p256', key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], alg: 'ES256', sign: (keyPath: string, input: string) => derToJose(signFile(['dgst', '-sha256', '-sign', keyPath], input), 32) },
  { name: 'p384', key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], alg: 'ES384', sign: (keyPath: string, input: string) => derToJose(signFile(['dgst', '-sha384', '-sign', keyPath], input), 48) },
  { name: 'p521', key: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], alg: 'ES512', sign: (keyPath: string, input: string) => derToJose(signFile(['dgst', '-sha512', '-sign', keyPath], input), 66) },
  { name: 'ed25519', key: ['-newkey', 'ed25519'], alg: 'EdDSA', sign: (keyPath: string, input: string) => signFile(['pkeyutl', '-sign', '-rawin', '-inkey', keyPath, '-in'], input) }
]

/** OpenSSL signs a file (Ed25519 signs in one shot and needs its size: no stdin). */
function signFile (args: string[], input: string): Buffer {
  const path = join(dir, 'input.txt')
  writeFileSync(path, input)
  return openssl(...args, path)
}

t.test('parse-from-certificate: the certificate\'s key with x5c; OpenSSL\'s signatures verify with it in jose', async t => {
  for (const kind of KINDS) {
    const made = certificate(`jwk-${kind.name}`, kind.key, `/CN=${kind.name}.example.com`)
    t.same(await send('POST', '/certificates/', form({ certificateName: `cert-${kind.name}`, alias: `alias-${kind.name}`, certificateDescription: '', environmentList: 'production' }, made.pem)),
      { status: 200, json: deployed(['production']) })
    const body = { name: `jwk-${kind.name}`, description: 'JWK from certificate', certificateName: `cert-${kind.name}`, environmentName: 'production', useType: 'SIGNATURE', algorithm: kind.alg }
    t.same(await send('POST', '/jwks/parse-from-certificate', body), { status: 200, json: deployed(['production', 'staging']) }, `${kind.name}: deployed like any JWK`)
    const detail = (await send('GET', `/jwks/jwk-${kind.name}/`)).json.resultList[0]
    const jwk = detail[detail.type.toLowerCase()] as JWK & { x5c: string[], 'x5t#S256': string, exp: number }
    t.equal(detail.sourceType, 'CERTIFICATE')
    t.type(detail.sourceId, 'string')
    t.same(jwk.x5c, [made.der.toString('base64')], `${kind.name}: x5c is the DER OpenSSL wrote`)
    const sha256 = openssl('x509', '-in', join(dir, `jwk-${kind.name}.pem`), '-noout', '-fingerprint', '-sha256').toString().trim().split('=')[1]!.replaceAll(':', '')
    t.equal(jwk['x5t#S256'], Buffer.from(sha256, 'hex').toString('base64url'), `${kind.name}: x5t#S256 is OpenSSL's SHA-256 fingerprint`)
    t.equal(jwk.alg, kind.alg)
    t.equal(jwk.use, 'sig')
    const x509 = new X509Certificate(Buffer.from(jwk.x5c[0]!, 'base64'))
    t.same(x509.publicKey.export({ format: 'jwk' }), Object.fromEntries(Object.entries(jwk).filter(([member]) => ['kty', 'crv', 'x', 'y', 'n', 'e'].includes(member))), `${kind.name}: the x5c certificate's key is the JWK's`)
    t.equal(jwk.exp, Math.floor(Date.parse(x509.validTo) / 1000), 'valid as long as the certificate')
    const header = Buffer.from(JSON.stringify({ alg: kind.alg })).toString('base64url')
    const payload = Buffer.from(JSON.stringify({ sub: kind.name, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')
    const signature = kind.sign(made.keyPath, `${header}.${payload}`).toString('base64url')
    const verified = await compactVerify(`${header}.${payload}.${signature}`, await importJWK(jwk, kind.alg))
    t.equal(JSON.parse(Buffer.from(verified.payload).toString()).sub, kind.name, `${kind.name}: OpenSSL's signature verifies with the JWK`)
    const set = await (await fetch(`${base.replace(`/apiops/projects/${PROJECT}`, '')}/environments/production/projects/${PROJECT}/jwks.json`)).json() as { keys: JWK[] }
    const { payload: claims } = await jwtVerify(`${header}.${payload}.${signature}`, createLocalJWKSet(set))
    t.equal(claims.sub, kind.name, `${kind.name}: and with the public JWK Set`)
  }
})

t.test('create with source type CERTIFICATE: the documented body and errors', async t => {
  const body = { name: 'my-jwk', description: 'JWK from certificate', sourceType: 'CERTIFICATE', certificateName: 'my-certificate', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }
  t.same(await send('POST', '/jwks/', body), { status: 200, json: deployed(['production', 'staging']) })
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', certificateName: 'nope' }), 'Certificate (name: nope) is not found!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', certificateName: 'cert-rsa', environmentName: 'staging' }), 'Certificate (name: cert-rsa) is not deployed to environment (name: staging)')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', certificateName: undefined }), 'Certificate name is required for CERTIFICATE source type!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', useType: undefined }), 'Use type is required for CERTIFICATE source type!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', algorithm: undefined }), 'Algorithm is required for CERTIFICATE source type!')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', jwkStr: '{}' }), 'jwkStr is only used with source type COPY_PASTE')
  await refused(t, send('POST', '/jwks/', { name: 'n2', sourceType: 'COPY_PASTE', jwkStr: '{}', certificateName: 'x' }), 'certificateName is only used with source type CERTIFICATE')
  const wrongAlgorithm = await send('POST', '/jwks/', { ...body, name: 'n2', algorithm: 'ES256' })
  t.equal(wrongAlgorithm.status, 400)
  t.match(wrongAlgorithm.json.error_description, /^algorithm "ES256" is not valid for type RSA; valid: RS256 \/ RSA256, /, 'named by the request\'s own field')
  await refused(t, send('POST', '/jwks/', { ...body, name: 'n2', useType: 'ENCRYPTION' }), 'algorithm RS256 is for SIGNATURE keys, but useType is ENCRYPTION')
})

t.test('update replaces the copies; delete undeploys and leaves the JWKs made from it, detached', async t => {
  const renewed = certificate('renewed', ['-newkey', 'rsa:2048'])
  t.same(await send('PUT', '/certificates/my-certificate/', form({ alias: 'renewed-alias', certificateDescription: 'Updated SSL certificate', environmentList: 'production' }, renewed.pem)),
    { status: 200, json: deployed(['production']) })
  const got = (await send('GET', '/certificates/my-certificate/')).json.resultList[0]
  t.same([got.description, got.certificateEnvironmentList.map((copy: any) => [copy.environmentName, copy.alias, copy.base64EncodedContent])],
    ['Updated SSL certificate', [['production', 'renewed-alias', renewed.der.toString('base64')]]])
  await refused(t, send('PUT', '/certificates/my-certificate/?updateReferencedJwks=true&updateScope=SAME_PROJECT', form({ alias: 'a', environmentList: 'production' }, renewed.pem)),
    'updateReferencedJwks is not supported: a JWK made from this certificate keeps its material; make it again with POST …/jwks/parse-from-certificate')
  await refused(t, send('PUT', '/certificates/absent/', form({ alias: 'a', environmentList: 'production' }, renewed.pem)), 'Certificate (name: absent) is not found!')
  const before = (await send('GET', '/jwks/my-jwk/')).json.resultList[0]
  t.same(await send('DELETE', '/certificates/my-certificate/'), { status: 200, json: deployed(['production'], 'Undeployment') })
  await refused(t, send('GET', '/certificates/my-certificate/'), 'Certificate (name: my-certificate) is not found!')
  const after = (await send('GET', '/jwks/my-jwk/')).json.resultList[0]
  t.same([after.sourceType, after.sourceId, after.rsa], ['CERTIFICATE', null, before.rsa], 'the JWK keeps its key and x5c, and no longer points at the certificate')
  const quiet = { out: () => {}, err: () => {} }
  t.equal(await runCli(['project', 'delete', PROJECT], dataEnv(dataDir), quiet), 1, 'a project with certificates is not deleted')
})

t.test('truststore: the admin project\'s certificates deployed to the environment, content included', async t => {
  await app.store.projects.create('admin')
  const admin = apiClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/apiops/projects/admin`, auth)
  const ca = certificate('ca', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=ca.example.com/O=Example CA/C=US')
  const stagingOnly = certificate('staging-ca', ['-newkey', 'rsa:2048'], '/CN=staging-ca.example.com')
  t.equal((await admin('POST', '/certificates/', form({ certificateName: 'truststore-cert-1', alias: 'ca-cert-alias', certificateDescription: 'Certificate from truststore', environmentList: 'production,staging' }, ca.pem))).status, 200)
  t.equal((await admin('POST', '/certificates/', form({ certificateName: 'staging-ca', alias: 'staging-ca', environmentList: 'staging' }, stagingOnly.pem))).status, 200)
  const x509 = new X509Certificate(ca.der)
  const production = await admin('GET', '/certificates/truststore/production/')
  t.same(production, {
    status: 200,
    json: {
      success: true,
      resultCount: 1,
      resultList: [{
        name: 'truststore-cert-1',
        description: 'Certificate from truststore',
        projectId: (await app.store.projects.findByName('admin'))!.id,
        certificateEnvironmentList: [{
          environmentName: 'production',
          startDate: new Date(x509.validFrom).toISOString(),
          endDate: new Date(x509.validTo).toISOString(),
          base64EncodedContent: ca.der.toString('base64'),
          sha1Thumbprint: x509.fingerprint.replaceAll(':', ''),
          subjectDn: 'CN=ca.example.com, O=Example CA, C=US',
          alias: 'ca-cert-alias'
        }]
      }]
    }
  }, 'the documented shape: only the production copy, with the DER OpenSSL wrote')
  const staging = await admin('GET', '/certificates/truststore/staging')
  t.same(staging.json.resultList.map((item: any) => [item.name, item.certificateEnvironmentList.map((copy: any) => copy.environmentName)]),
    [['staging-ca', ['staging']], ['truststore-cert-1', ['staging']]])

  await refused(t, admin('GET', '/certificates/truststore/nowhere/'), 'Environment (nowhere) is not found or user does not have privilege to access it!')
  await refused(t, admin('GET', '/certificates/truststore/%20/'), 'environmentName value can not be empty!')
  await refused(t, send('GET', '/certificates/truststore/production/'), 'Truststore certificates are only available in the admin project!')
  await refused(t, admin('POST', '/certificates/', form({ certificateName: 'truststore', alias: 'x', environmentList: 'production' }, ca.pem)),
    'certificateName truststore is reserved for the truststore pages')
  const outsider = { authorization: `Bearer ${(await issueToken(app.store, { name: 'outsider', roles: ['ROLE_API_SECURITY'], projects: [PROJECT], expiresAt: null })).token}` }
  const denied = await apiClient(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/apiops/projects/admin`, outsider)('GET', '/certificates/truststore/production/')
  t.same(denied, { status: 404, json: { error: 'not_found', error_description: 'Project (admin) is not found or user does not have privilege to access it!' } }, 'a token without the admin project does not see it')
})
