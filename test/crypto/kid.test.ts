import { calculateJwkThumbprint } from 'jose'
import { createHash, generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import type { Jwk } from '../../src/crypto/jwk.js'
import { hashKid, timeKid } from '../../src/crypto/kid.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/** Kid rules of docs/API.md, "Key ID", checked against independent computations. */
t.test('time kids: the use, then the epoch second or its ISO form without fractions', async t => {
  t.equal(timeKid('TIMESTAMP', 'sig', 1_764_460_800), 'sig-1764460800')
  t.equal(timeKid('ISO_DATE', 'enc', 1_764_460_800), 'enc-2025-11-30T00:00:00Z')
})

t.test('THUMBPRINT is the RFC 7638 thumbprint (jose computes it independently)', async t => {
  for (const [type, options] of [['rsa', { modulusLength: 2048 }], ['ec', { namedCurve: 'P-256' }], ['ed25519', {}]] as const) {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = freshPrivateJwk(type, options)
    t.equal(hashKid('THUMBPRINT', publicJwk as Jwk), await calculateJwkThumbprint(publicJwk as never, 'sha256'), type)
  }
})

t.test('SHA256 and SHA1 hash the DER SubjectPublicKeyInfo of RSA and EC keys', async t => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const spki = publicKey.export({ type: 'spki', format: 'der' })
  const jwk = publicKey.export({ format: 'jwk' }) as Jwk
  t.equal(hashKid('SHA256', jwk), createHash('sha256').update(spki).digest('base64url'))
  t.equal(hashKid('SHA1', jwk), createHash('sha1').update(spki).digest('base64'), 'SHA1 in standard base64, as json-web-key-generator writes it')
})

t.test('…and the raw public key of OKP keys, the raw secret of oct keys', async t => {
  const okp = freshPrivateJwk('x25519')
  t.equal(hashKid('SHA256', { kty: 'OKP', crv: 'X25519', x: okp.x! }), createHash('sha256').update(Buffer.from(okp.x!, 'base64url')).digest('base64url'))
  const secret = Buffer.from('0123456789abcdef')
  t.equal(hashKid('SHA256', { kty: 'oct', k: secret.toString('base64url') }), createHash('sha256').update(secret).digest('base64url'))
  t.throws(() => hashKid('SHA256', { kty: 'DSA' } as never), /no key id is defined for kty DSA/)
})
