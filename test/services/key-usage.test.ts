import t from 'tap'
import { BadRequestError } from '../../src/errors.js'
import { describeMaterial, resolveUsage } from '../../src/services/key-usage.js'

/** Use versus curve, algorithm versus use and key: the rules generate and import share. */
const FIELDS = { use: 'use', algorithm: 'alg' }

t.test('without a use, the algorithm\'s wins, then the curve\'s only one, then SIGNATURE', async t => {
  t.same(resolveUsage('RSA', { kty: 'RSA', modulusLength: 2048 }, undefined, undefined, FIELDS), { keyUse: 'SIGNATURE' })
  t.equal(resolveUsage('RSA', { kty: 'RSA', modulusLength: 2048 }, undefined, 'RSA-OAEP-256', FIELDS).keyUse, 'ENCRYPTION')
  t.same(resolveUsage('OKP', { kty: 'OKP', crv: 'X448' }, undefined, undefined, FIELDS), { keyUse: 'ENCRYPTION' })
  t.equal(resolveUsage('EC', { kty: 'EC', crv: 'P-256' }, 'ENCRYPTION', undefined, FIELDS).keyUse, 'ENCRYPTION')
})

t.test('Apinizer spellings become the JOSE name', async t => {
  t.equal(resolveUsage('RSA', { kty: 'RSA', modulusLength: 2048 }, undefined, 'RSA256', FIELDS).rule?.alg, 'RS256')
  t.equal(resolveUsage('EC', { kty: 'EC', crv: 'P-256' }, undefined, 'ECDH_ES_A128KW', FIELDS).rule?.alg, 'ECDH-ES+A128KW')
  t.equal(resolveUsage('OKP', { kty: 'OKP', crv: 'Ed448' }, undefined, 'EdDSA', FIELDS).rule?.alg, 'EdDSA')
})

t.test('impossible combinations, worded with the client\'s field names', async t => {
  const refused = (args: Parameters<typeof resolveUsage>, message: string | RegExp): void => {
    t.throws(() => resolveUsage(...args), { constructor: BadRequestError, message })
  }
  refused(['RSA', { kty: 'RSA', modulusLength: 2048 }, 'ENCRYPTION', 'RS256', FIELDS], 'alg RS256 is for SIGNATURE keys, but use is ENCRYPTION')
  refused(['RSA', { kty: 'RSA', modulusLength: 2048 }, undefined, 'ES256', FIELDS], /^alg "ES256" is not valid for type RSA; valid: RS256 \/ RSA256, /)
  refused(['OKP', { kty: 'OKP', crv: 'X25519' }, 'SIGNATURE', undefined, FIELDS], 'use SIGNATURE is not possible with curve X25519: it can only agree keys; use ENCRYPTION')
  refused(['EC', { kty: 'EC', crv: 'secp256k1' }, 'ENCRYPTION', undefined, FIELDS], 'use ENCRYPTION is not possible with curve SECP256K1: JOSE defines no key agreement on it; use SIGNATURE')
  refused(['OCT', { kty: 'oct', bits: 128 }, undefined, 'HS256', FIELDS], 'alg HS256 needs keySize 256 or more; this key is keySize 128')
})

t.test('keys described the way requests name them', async t => {
  t.equal(describeMaterial({ kty: 'RSA', modulusLength: 3072 }), 'RSA 3072')
  t.equal(describeMaterial({ kty: 'EC', crv: 'secp256k1' }), 'curve SECP256K1')
  t.equal(describeMaterial({ kty: 'OKP', crv: 'Ed25519' }), 'curve ED25519')
  t.equal(describeMaterial({ kty: 'oct', bits: 192 }), 'keySize 192')
})
