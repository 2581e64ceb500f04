import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/**
 * An imported key is proven, not trusted: a private key belongs to its
 * public members, a public key is no weak or malformed one, every member is
 * canonical, and odd member values or nesting are 400s, never 500s.
 */
const { app, auth } = await buildTestApp(t)
const projectId = (await app.store.projects.findByName(PROJECT))!.id

async function refused (t: Test, jwk: unknown, message: string | RegExp): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: `/apiops/projects/${PROJECT}/jwks/`,
    headers: auth,
    payload: { name: 'imported', sourceType: 'COPY_PASTE', jwkStr: typeof jwk === 'string' ? jwk : JSON.stringify(jwk) }
  })
  t.equal(response.statusCode, 400, String(message))
  t.same(Object.keys(response.json()), ['error', 'error_description'])
  t.equal(response.json().error, 'bad_request')
  if (typeof message === 'string') t.equal(response.json().error_description, message)
  else t.match(response.json().error_description, message)
}

const publicPart = (jwk: Record<string, string>): Record<string, string> => {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk
  return rest
}
const b64 = (bytes: Buffer): string => bytes.toString('base64url')
const bigintB64 = (value: bigint): string => b64(Buffer.from(value.toString(16).padStart(2, '0').replace(/^(.(..)*)$/, '0$1'), 'hex'))
const bigintOf = (text: string): bigint => BigInt(`0x${Buffer.from(text, 'base64url').toString('hex')}`)

t.test('a private key must belong to its public members', async t => {
  const ec = freshPrivateJwk('ec', { namedCurve: 'P-256' })
  const otherEc = freshPrivateJwk('ec', { namedCurve: 'P-256' })
  await refused(t, { ...ec, d: otherEc.d }, 'The key cannot be imported: the private key "d" does not make the public point ("x", "y")')
  const k1 = freshPrivateJwk('ec', { namedCurve: 'secp256k1' })
  const otherK1 = freshPrivateJwk('ec', { namedCurve: 'secp256k1' })
  await refused(t, { ...k1, d: otherK1.d }, 'The key cannot be imported: the private key "d" does not make the public point ("x", "y")')
  const rsa = freshPrivateJwk('rsa', { modulusLength: 2048 })
  const otherRsa = freshPrivateJwk('rsa', { modulusLength: 2048 })
  await refused(t, { ...rsa, d: otherRsa.d }, 'The key cannot be imported: the private exponent "d" does not invert the public exponent "e"')
  await refused(t, { ...rsa, p: otherRsa.p, q: otherRsa.q, dp: otherRsa.dp, dq: otherRsa.dq, qi: otherRsa.qi },
    'The key cannot be imported: the primes "p" and "q" are not the factors of the modulus "n"')
  await refused(t, { ...rsa, n: bigintB64(bigintOf(rsa.n!) + 2n) }, 'The key cannot be imported: the primes "p" and "q" are not the factors of the modulus "n"')
  await refused(t, { ...rsa, dp: otherRsa.dp }, 'The key cannot be imported: the CRT members "dp", "dq" and "qi" do not fit "p", "q" and "d"')
  t.equal((await app.store.jwks.listByProject(projectId)).length, 0, 'nothing stored')
})

t.test('weak public keys are refused, and say why', async t => {
  const rsa = publicPart(freshPrivateJwk('rsa', { modulusLength: 2048 }))
  await refused(t, { ...rsa, e: 'AQ' }, 'The key cannot be imported: the public exponent "e" must be odd, at least 3 and smaller than "n"')
  await refused(t, { ...rsa, e: 'AQAA' }, 'The key cannot be imported: the public exponent "e" must be odd, at least 3 and smaller than "n"')
  await refused(t, { ...rsa, n: bigintB64(bigintOf(rsa.n!) - 1n) }, 'The key cannot be imported: the modulus "n" is even: it is no product of two odd primes')
  const huge = randomBytes(1025)
  huge[0] = 0x80
  huge[1024]! |= 1
  await refused(t, { kty: 'RSA', n: b64(huge), e: 'AQAB' }, 'The key cannot be imported: RSA keys must be at most 8192 bits; this one is 8200')
  const identity = Buffer.alloc(32)
  identity[0] = 1
  const order8 = Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex')
  for (const x of [Buffer.alloc(32), identity, order8]) {
    await refused(t, { kty: 'OKP', crv: 'Ed25519', x: b64(x) }, 'The key cannot be imported: "x" is a point of small order: it would verify forged signatures')
  }
  const identity448 = Buffer.alloc(57)
  identity448[0] = 1
  await refused(t, { kty: 'OKP', crv: 'Ed448', x: b64(identity448) }, 'The key cannot be imported: "x" is a point of small order: it would verify forged signatures')
  const notOnCurve = Buffer.alloc(32)
  notOnCurve[0] = 2
  await refused(t, { kty: 'OKP', crv: 'Ed25519', x: b64(notOnCurve) }, 'The key cannot be imported: "x" is not a canonical Ed25519 point')
  const yTooLarge = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex') // y = p
  await refused(t, { kty: 'OKP', crv: 'Ed25519', x: b64(yTooLarge) }, 'The key cannot be imported: "x" is not a canonical Ed25519 point')
  const one = Buffer.alloc(32)
  one[0] = 1
  for (const u of [Buffer.alloc(32), one]) {
    await refused(t, { kty: 'OKP', crv: 'X25519', x: b64(u) }, 'The key cannot be imported: "x" is a point of small order: no shared secret can be agreed with it')
  }
  await refused(t, { kty: 'OKP', crv: 'X448', x: b64(Buffer.alloc(56)) }, 'The key cannot be imported: "x" is a point of small order: no shared secret can be agreed with it')
  t.equal((await app.store.jwks.listByProject(projectId)).length, 0, 'nothing stored')
})

t.test('sound keys of every kind still import', async t => {
  const keys = [freshPrivateJwk('rsa', { modulusLength: 2048 }), freshPrivateJwk('ec', { namedCurve: 'P-521' }), freshPrivateJwk('ec', { namedCurve: 'secp256k1' }),
    publicPart(freshPrivateJwk('ed25519')), publicPart(freshPrivateJwk('ed448')), publicPart(freshPrivateJwk('x25519')), publicPart(freshPrivateJwk('x448')),
    freshPrivateJwk('x448'), publicPart(freshPrivateJwk('rsa', { modulusLength: 3072 }))]
  for (const [index, jwk] of keys.entries()) {
    const response = await app.inject({ method: 'POST', url: `/apiops/projects/${PROJECT}/jwks/`, headers: auth, payload: { name: `sound-${index}`, sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(jwk) } })
    t.equal(response.statusCode, 200, `${jwk.kty} ${jwk.crv ?? ''}: ${response.body}`)
  }
})

t.test('members must be canonical base64url', async t => {
  const k = b64(randomBytes(32)) // 43 characters
  await refused(t, { kty: 'oct', k: k + 'AA' }, 'The key cannot be imported: member "k" must be a base64url string (canonical, unpadded)')
  await refused(t, { kty: 'oct', k: k + '=' }, 'The key cannot be imported: member "k" must be a base64url string (canonical, unpadded)')
  // The 43rd character carries two unused bits; set one of them.
  const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const spare = last[(last.indexOf(k.at(-1)!) & ~3) | 1]!
  await refused(t, { kty: 'oct', k: k.slice(0, -1) + spare }, 'The key cannot be imported: member "k" must be a base64url string (canonical, unpadded)')
  await refused(t, { kty: 'oct', k: '' }, 'The key cannot be imported: member "k" must be a base64url string (canonical, unpadded)')
})

t.test('member values named like Object.prototype members, and deep nesting, are 400s', async t => {
  const ed = freshPrivateJwk('ed25519')
  for (const use of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    await refused(t, { ...ed, use }, 'The key\'s "use" must be "sig" or "enc"')
  }
  for (const alg of ['constructor', '__proto__', 'toString']) {
    await refused(t, { ...ed, alg }, new RegExp(`^The key's "alg" "${alg}" is not valid for type OKP; valid: `))
  }
  const deepMember = `{"kty":"oct","k":"${b64(randomBytes(16))}","x":${'['.repeat(29_000)}${']'.repeat(29_000)}}`
  await refused(t, deepMember, 'jwkStr nests deeper than 16 levels; a JWK Set needs four')
  await refused(t, { kty: 'oct', k: b64(randomBytes(16)), x5c: ['A'.repeat(17_000)] }, 'The JWK in jwkStr is larger than 16384 bytes')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'still up')
})
