import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { isCanonicalBase64url } from '../../src/crypto/base64url.js'
import { ecPrivateProblem, okpPublicProblem } from '../../src/crypto/curve-soundness.js'
import { edwardsKeyProblem } from '../../src/crypto/edwards.js'
import { rsaPrivateProblem, rsaPublicProblem } from '../../src/crypto/rsa-soundness.js'

/** The import checks as pure functions: fast, no server. The end-to-end refusals are in test/routes/import-soundness.test.ts. */
const jwkOf = (type: string, options: object = {}): Record<string, string> =>
  (generateKeyPairSync as unknown as (type: string, options: object) => { privateKey: Record<string, string> })(type, { ...options, privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } }).privateKey

t.test('canonical base64url', async t => {
  for (const text of ['', 'AA', 'AAA', 'AAAA', 'AQAB', '_-8']) t.ok(isCanonicalBase64url(text), JSON.stringify(text))
  for (const text of ['A', 'AAAAA', 'AB', 'AAB', 'AQ==', 'AQ+/', 'a b']) t.notOk(isCanonicalBase64url(text), JSON.stringify(text))
})

t.test('Edwards points: real keys pass; identity, small order, off-curve and non-canonical encodings do not', async t => {
  t.equal(edwardsKeyProblem('Ed25519', Buffer.from(jwkOf('ed25519').x!, 'base64url')), undefined)
  t.equal(edwardsKeyProblem('Ed448', Buffer.from(jwkOf('ed448').x!, 'base64url')), undefined)
  const identity = Buffer.alloc(32)
  identity[0] = 1
  // The eight torsion points of Ed25519 in their canonical encodings (libsodium's blocklist).
  const torsion = ['0000000000000000000000000000000000000000000000000000000000000000', '0100000000000000000000000000000000000000000000000000000000000000',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', '0000000000000000000000000000000000000000000000000000000000000080']
  for (const hex of torsion) t.match(edwardsKeyProblem('Ed25519', Buffer.from(hex, 'hex')) ?? '', /small order|not a canonical/, hex)
  t.match(edwardsKeyProblem('Ed25519', Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')), /not a canonical/, 'y = p')
  t.match(edwardsKeyProblem('Ed25519', Buffer.alloc(31)), /not a canonical/, 'too short')
  const identity448 = Buffer.alloc(57)
  identity448[0] = 1
  t.match(edwardsKeyProblem('Ed448', identity448), /small order/)
})

t.test('X25519 / X448: small-order u-coordinates', async t => {
  t.equal(okpPublicProblem('X25519', jwkOf('x25519').x!), undefined)
  t.equal(okpPublicProblem('X448', jwkOf('x448').x!), undefined)
  t.match(okpPublicProblem('X25519', Buffer.alloc(32).toString('base64url')), /small order/)
  t.match(okpPublicProblem('X448', Buffer.alloc(56).toString('base64url')), /small order/)
})

t.test('EC: d must make the point', async t => {
  const key = jwkOf('ec', { namedCurve: 'P-384' })
  const other = jwkOf('ec', { namedCurve: 'P-384' })
  t.equal(ecPrivateProblem(key as { crv: string, x: string, y: string, d: string }), undefined)
  t.match(ecPrivateProblem({ ...key, d: other.d } as { crv: string, x: string, y: string, d: string }), /does not make the public point/)
})

t.test('RSA: public sanity and private arithmetic', async t => {
  const key = jwkOf('rsa', { modulusLength: 2048 })
  const other = jwkOf('rsa', { modulusLength: 2048 })
  t.equal(rsaPublicProblem({ n: key.n!, e: key.e! }), undefined)
  t.match(rsaPublicProblem({ n: key.n!, e: 'AQ' }), /public exponent/)
  t.equal(rsaPrivateProblem(key), undefined)
  t.match(rsaPrivateProblem({ ...key, d: other.d! }), /does not invert/)
  t.match(rsaPrivateProblem({ ...key, q: other.q! }), /not the factors/)
  t.match(rsaPrivateProblem({ ...key, qi: other.qi! }), /CRT members/)
})
