import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, exportSPKI, importJWK } from 'jose'
import t from 'tap'
import { buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'

/** docs/API.md, "Key ID", each keyIdType checked against a computation that does not use jwkd's code. */
const FROZEN = new Date('2026-11-30T00:00:00.000Z')
const { app, auth } = await buildTestApp(t, { clock: () => FROZEN })

async function generate (body: object): Promise<Record<string, any>> {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: body })
  t.equal(response.statusCode, 200, `generated ${response.body.slice(0, 160)}`)
  const name = (body as { name: string }).name
  return (await app.inject({ method: 'GET', url: jwkUrl(name), headers: auth })).json().resultList[0]
}

/** The bytes the json-web-key-generator tool hashes, derived here with jose and plain decoding. */
async function kidSource (jwk: Record<string, string>): Promise<Buffer> {
  if (jwk.kty === 'oct') return Buffer.from(jwk.k as string, 'base64url')
  if (jwk.kty === 'OKP') return Buffer.from(jwk.x as string, 'base64url')
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk
  const pem = await exportSPKI(await importJWK({ ...publicJwk, alg: undefined }, jwk.kty === 'RSA' ? 'RS256' : jwk.crv === 'P-256' ? 'ES256' : 'ES384') as Parameters<typeof exportSPKI>[0])
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
}

const keys = [
  { type: 'RSA', rsa: { keySize: 2048 } },
  { type: 'EC', ec: { curveType: 'P256' } },
  { type: 'EC', ec: { curveType: 'P384' } },
  { type: 'OKP', okp: { curveType: 'ED25519' } },
  { type: 'OKP', okp: { curveType: 'X25519' } },
  { type: 'OCT', oct: { keySize: 256 } }
]

t.test('SHA256, SHA1 and THUMBPRINT kids match an independent computation', async t => {
  for (const [index, key] of keys.entries()) {
    const field = key.type.toLowerCase()
    for (const keyIdType of ['SHA256', 'SHA1', 'THUMBPRINT']) {
      const params = (key as unknown as Record<string, object>)[field]
      const item = await generate({ name: `${keyIdType}-${index}`, ...key, [field]: { ...params, keyIdType } })
      const jwk = item[field]
      const source = await kidSource(jwk)
      const expected = keyIdType === 'SHA256'
        ? createHash('sha256').update(source).digest('base64url')
        : keyIdType === 'SHA1'
          ? createHash('sha1').update(source).digest('base64')
          : await calculateJwkThumbprint(jwk, 'sha256')
      t.equal(jwk.kid, expected, `${key.type} ${keyIdType}`)
      t.equal(item.kid, expected, `${key.type} ${keyIdType}: item kid`)
      t.equal(item.thumbprint, await calculateJwkThumbprint(jwk, 'sha256'), `${key.type}: thumbprint is RFC 7638`)
    }
  }
})

t.test('TIMESTAMP and ISO_DATE kids, with -2, -3 on collision', async t => {
  const seconds = FROZEN.getTime() / 1000
  const kids = []
  for (const name of ['ts-1', 'ts-2', 'ts-3']) kids.push((await generate({ name, type: 'EC', ec: { curveType: 'P256' } })).kid)
  t.same(kids, [`sig-${seconds}`, `sig-${seconds}-2`, `sig-${seconds}-3`], 'default keyIdType is TIMESTAMP')
  t.equal((await generate({ name: 'ts-enc', type: 'OKP', okp: { curveType: 'X25519' } })).kid, `enc-${seconds}`, 'enc- prefix for encryption keys')
  t.equal((await generate({ name: 'ts-enc-2', type: 'OKP', okp: { curveType: 'X25519', keyIdType: 'TIMESTAMP' } })).kid, `enc-${seconds}-2`)

  const iso = []
  for (const name of ['iso-1', 'iso-2']) iso.push((await generate({ name, type: 'OCT', oct: { keySize: 128, keyIdType: 'ISO_DATE' } })).kid)
  t.same(iso, ['sig-2026-11-30T00:00:00Z', 'sig-2026-11-30T00:00:00Z-2'])
  const jwk = (await generate({ name: 'iat', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'NONE' } })).okp
  t.equal(jwk.iat, seconds, 'iat is the issue time')
  t.equal(jwk.nbf, seconds, 'nbf defaults to now')
  t.equal(jwk.exp, Date.parse('2027-11-30T00:00:00Z') / 1000, 'exp defaults to nbf + 1 year')
})

t.test('NONE gives no kid; an explicit kid wins over keyIdType', async t => {
  const none = await generate({ name: 'none', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'NONE' } })
  t.equal(none.kid, null)
  t.notOk('kid' in none.okp, 'no kid member')
  const none2 = await generate({ name: 'none-2', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'NONE' } })
  t.equal(none2.kid, null, 'many keys may have no kid')
  const explicit = await generate({ name: 'explicit', kid: 'my key #1', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'SHA256' } })
  t.equal(explicit.okp.kid, 'my key #1')
})

t.test('dates from the request become nbf/exp and the item times', async t => {
  const item = await generate({
    name: 'dated',
    type: 'EC',
    ec: { curveType: 'P256', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T02:00:00+02:00' }
  })
  t.equal(item.ec.nbf, Date.parse('2024-01-01T00:00:00Z') / 1000)
  t.equal(item.ec.exp, Date.parse('2025-01-01T00:00:00Z') / 1000)
  t.equal(item.notBeforeTime, '2024-01-01T00:00:00.000Z')
  t.equal(item.expirationTime, '2025-01-01T00:00:00.000Z')
})
