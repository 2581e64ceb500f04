import { compactVerify, importJWK, SignJWT, type JWK } from 'jose'
import { execFileSync } from 'node:child_process'
import { webcrypto } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { derToJose, joseToDer } from '../helpers/signatures.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/** docs/API.md, "Routes", export-file: the key as PEM, checked by OpenSSL (the independent party) and jose. */
const { app, auth } = await buildTestApp(t)
const dir = t.testdir()
const openssl = (args: string[], input?: string): Buffer => execFileSync('openssl', args, { input, cwd: dir })

const generate = async (name: string, body: object): Promise<void> => {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, ...body } })
  t.equal(response.statusCode, 200, response.body)
}
const exportFile = async (name: string, query: string): Promise<{ statusCode: number, headers: Record<string, unknown>, body: string, json: () => any }> =>
  await app.inject({ method: 'GET', url: `${jwkUrl(name)}export-file?${query}`, headers: auth })
const publicJwk = async (name: string): Promise<JWK> => {
  const detail = (await app.inject({ method: 'GET', url: `${jwkUrl(name)}?publicOnly=true`, headers: auth })).json().resultList[0]
  return detail[detail.type.toLowerCase()]
}

const KEYS = [
  { name: 'rsa', body: { type: 'RSA', rsa: { keySize: 2048, algorithm: 'RS256' } }, alg: 'RS256', sign: ['dgst', '-sha256', '-sign'] },
  { name: 'p256', body: { type: 'EC', ec: { curveType: 'P256', algorithm: 'ES256' } }, alg: 'ES256', sign: ['dgst', '-sha256', '-sign'], ecdsaSize: 32 },
  { name: 'p384', body: { type: 'EC', ec: { curveType: 'P384' } } },
  { name: 'p521', body: { type: 'EC', ec: { curveType: 'P521' } } },
  { name: 'k256', body: { type: 'EC', ec: { curveType: 'SECP256K1' } } },
  { name: 'ed25519', body: { type: 'OKP', okp: { curveType: 'ED25519', algorithm: 'EdDSA' } }, alg: 'EdDSA', sign: ['pkeyutl', '-sign', '-rawin', '-inkey'] },
  { name: 'x25519', body: { type: 'OKP', okp: { curveType: 'X25519' } } }
]

t.test('PKCS#8 with the private part, SPKI without; OpenSSL derives the same public key', async t => {
  for (const key of KEYS) {
    await generate(key.name, key.body)
    const privateFile = await exportFile(key.name, 'format=pem')
    t.equal(privateFile.statusCode, 200, key.name)
    t.equal(privateFile.headers['content-type'], 'application/x-pem-file')
    t.match(privateFile.headers['content-disposition'], new RegExp(`^attachment; filename="${key.name}\\.pem"`))
    t.equal(privateFile.headers['cache-control'], 'no-store')
    t.match(privateFile.body, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/)
    const publicFile = await exportFile(key.name, 'format=pem&publicOnly=true')
    t.match(publicFile.body, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/)
    t.equal(openssl(['pkey', '-pubout'], privateFile.body).toString(), publicFile.body, `${key.name}: OpenSSL reads the private key and finds the exported public one`)
    const webCrypto = WEBCRYPTO[key.name]
    if (webCrypto !== undefined) {
      // A second reader of the PEM: WebCrypto imports the SPKI and writes it as a JWK, which must be jwkd's.
      const der = Buffer.from(publicFile.body.replace(/-----[^-]+-----|\s/g, ''), 'base64')
      const imported = await webcrypto.subtle.importKey('spki', der, webCrypto, true, key.name === 'x25519' ? [] : ['verify'])
      t.same(pick(await webcrypto.subtle.exportKey('jwk', imported)), pick(await publicJwk(key.name) as webcrypto.JsonWebKey), `${key.name}: the PEM holds the JWK's key`)
    }
  }
})

t.test('a signature OpenSSL makes with the PEM verifies with the JWK (jose), and the other way round', async t => {
  for (const key of KEYS.filter(candidate => candidate.alg !== undefined)) {
    const pemPath = join(dir, `${key.name}.pem`)
    writeFileSync(pemPath, (await exportFile(key.name, 'format=pem')).body)
    const header = Buffer.from(JSON.stringify({ alg: key.alg })).toString('base64url')
    const payload = Buffer.from('signed by openssl').toString('base64url')
    const input = `${header}.${payload}`
    // Files, not stdin: Ed25519 signs in one shot and needs the input's size.
    const inputPath = join(dir, `${key.name}.in`)
    writeFileSync(inputPath, input)
    const raw = openssl(key.alg === 'EdDSA' ? [...key.sign!, pemPath, '-in', inputPath] : [...key.sign!, pemPath, inputPath])
    const signature = key.ecdsaSize === undefined ? raw : derToJose(raw, key.ecdsaSize)
    const verified = await compactVerify(`${input}.${signature.toString('base64url')}`, await importJWK(await publicJwk(key.name), key.alg))
    t.equal(Buffer.from(verified.payload).toString(), 'signed by openssl', `${key.name}: OpenSSL's ${key.alg} signature verifies with the public JWK`)

    // jose signs with the private JWK; OpenSSL verifies with the exported public PEM.
    const full = (await app.inject({ method: 'GET', url: jwkUrl(key.name), headers: auth })).json().resultList[0]
    const jws = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: key.alg! }).sign(await importJWK(full[full.type.toLowerCase()], key.alg))
    const [h, p, s] = jws.split('.')
    const publicPath = join(dir, `${key.name}.pub.pem`)
    writeFileSync(publicPath, (await exportFile(key.name, 'format=pem&publicOnly=true')).body)
    const signatureFile = join(dir, `${key.name}.sig`)
    const sigBytes = Buffer.from(s!, 'base64url')
    writeFileSync(signatureFile, key.ecdsaSize === undefined ? sigBytes : joseToDer(sigBytes))
    writeFileSync(inputPath, `${h}.${p}`)
    const args = key.alg === 'EdDSA'
      ? ['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', publicPath, '-sigfile', signatureFile, '-in', inputPath]
      : ['dgst', '-sha256', '-verify', publicPath, '-signature', signatureFile, inputPath]
    t.match(openssl(args).toString(), /Verified OK|Signature Verified Successfully/, `${key.name}: jose's signature verifies in OpenSSL`)
  }
})

t.test('what has no PEM, and what is not a format', async t => {
  await generate('secret', { type: 'OCT', oct: { keySize: 256 } })
  const oct = await exportFile('secret', 'format=pem')
  t.equal(oct.statusCode, 400)
  t.same(oct.json(), { error: 'bad_request', error_description: 'JWK (name: secret) is a symmetric (OCT) key: it has no PEM form; export it as a JWK Set' })
  const der = await exportFile('rsa', 'format=der')
  t.equal(der.statusCode, 400)
  t.match(der.json().error_description, /^format must be /)
  t.equal((await exportFile('absent', 'format=pem')).statusCode, 400, 'a missing key: Apinizer\'s 400')
  const { d: _d, ...pastedPublic } = freshPrivateJwk('ed25519')
  const created = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/jwks/`, headers: auth, payload: { name: 'public-only', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(pastedPublic) } })
  t.equal(created.statusCode, 200, created.body)
  t.match((await exportFile('public-only', 'format=pem')).body, /^-----BEGIN PUBLIC KEY-----/, 'a key without a private part exports its public key')
  t.equal((await exportFile('rsa', '')).headers['content-type'], 'application/json; charset=utf-8', 'the default is still the JWK Set')
})

const pick = (jwk: webcrypto.JsonWebKey): Record<string, unknown> => Object.fromEntries(Object.entries({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, n: jwk.n, e: jwk.e }).filter(([, value]) => value !== undefined))

/** The curves WebCrypto reads (not secp256k1). */
const WEBCRYPTO: Record<string, webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm> = {
  rsa: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  p256: { name: 'ECDSA', namedCurve: 'P-256' },
  p384: { name: 'ECDSA', namedCurve: 'P-384' },
  p521: { name: 'ECDSA', namedCurve: 'P-521' },
  ed25519: { name: 'Ed25519' },
  x25519: { name: 'X25519' }
}
