import t from 'tap'
import { buildTestApp, generateUrl } from '../helpers/app.js'

/**
 * Every rule of docs/API.md, "Validation", each with its status and message. None of these
 * requests reaches the worker pool, and none stores anything.
 */
const { app, auth } = await buildTestApp(t)

async function expect400 (body: unknown, message: string | RegExp, name?: string): Promise<void> {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: body as object })
  const label = name ?? JSON.stringify(body).slice(0, 120)
  t.equal(response.statusCode, 400, `${label}: status`)
  const parsed = response.json()
  t.same(Object.keys(parsed).sort(), ['error', 'error_description'], `${label}: Apinizer error shape only`)
  t.equal(parsed.error, 'bad_request', `${label}: error code`)
  if (typeof message === 'string') t.equal(parsed.error_description, message, `${label}: message`)
  else t.match(parsed.error_description, message, `${label}: message`)
}

const rsa = { keySize: 2048 }

t.test('the three documented messages, verbatim', async () => {
  await expect400({ type: 'RSA', rsa }, 'JWK name can not be empty!', 'name missing')
  await expect400({ name: '', type: 'RSA', rsa }, 'JWK name can not be empty!', 'name empty')
  await expect400({ name: '   \t ', type: 'RSA', rsa }, 'JWK name can not be empty!', 'name blank')
  await expect400({ name: '', type: '' }, 'JWK name can not be empty!', 'name first when both are empty')
  await expect400({ name: 'k', rsa }, 'JWK type can not be empty!', 'type missing')
  await expect400({ name: 'k', type: '', rsa }, 'JWK type can not be empty!', 'type empty')
  await expect400({ name: 'k', type: '  ', rsa }, 'JWK type can not be empty!', 'type blank')
  const ok = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'taken', type: 'OCT', oct: { keySize: 256 } } })
  t.equal(ok.statusCode, 200)
  await expect400({ name: 'taken', type: 'EC', ec: { curveType: 'P256' } },
    'JWK (name: taken) is already exist! Try update operation if want to change its value.', 'name already used')
})

t.test('type and its parameter object', async () => {
  await expect400({ name: 'k', type: 'DSA' }, 'type must be one of RSA, EC, OCT, OKP; got "DSA" (a string)')
  await expect400({ name: 'k', type: 'rsa', rsa }, 'type must be one of RSA, EC, OCT, OKP; got "rsa" (a string)')
  await expect400({ name: 'k', type: 'RSA' }, '"rsa" object is required when type is RSA')
  await expect400({ name: 'k', type: 'EC' }, '"ec" object is required when type is EC')
  await expect400({ name: 'k', type: 'OCT' }, '"oct" object is required when type is OCT')
  await expect400({ name: 'k', type: 'OKP' }, '"okp" object is required when type is OKP')
  await expect400({ name: 'k', type: 'RSA', rsa, ec: { curveType: 'P256' } }, '"ec" object is not allowed when type is RSA; send the parameters in "rsa"')
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519' }, oct: { keySize: 256 } }, '"oct" object is not allowed when type is OKP; send the parameters in "okp"')
  await expect400({ name: 'k', type: 'RSA', rsa: 'big' }, 'rsa must be an object; got "big" (a string)')
})

t.test('unknown fields anywhere are named', async () => {
  await expect400({ name: 'k', type: 'RSA', rsa, extra: 1 }, 'Unknown field: "extra"')
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, curveType: 'P256' } }, 'Unknown field: "rsa.curveType"')
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'P256', keySize: 256 } }, 'Unknown field: "ec.keySize"')
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', passwordSaltLength: 8 } }, 'Unknown field: "okp.passwordSaltLength"')
})

t.test('types are strict: nothing is coerced', async () => {
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: '2048' } }, 'rsa.keySize must be one of 2048, 3072, 4096; got "2048" (a string)')
  await expect400({ name: 12, type: 'RSA', rsa }, 'name must be printable text of 1 to 255 characters; got 12')
  await expect400({ name: 'k', type: 'OCT', oct: { keySize: 256, passwordSaltLength: '16' } }, 'oct.passwordSaltLength must be an integer from 8 to 1024; got "16" (a string)')
  await expect400({ name: 'k', type: 'OCT', oct: { keySize: 256, passwordSaltLength: 16.5 } }, 'oct.passwordSaltLength must be an integer from 8 to 1024; got 16.5')
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, keyUseType: true } }, 'rsa.keyUseType must be one of SIGNATURE, ENCRYPTION; got true')
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, algorithm: 256 } }, 'rsa.algorithm must be a string of at most 64 characters; got 256')
  await expect400({ name: 'k', type: 'RSA', kid: 7, rsa }, 'kid must be printable text of 1 to 255 characters; got 7')
  await expect400({ name: 'k', type: 'RSA', description: null, rsa }, 'description must be text of at most 1024 characters; got null')
})

t.test('limits', async () => {
  await expect400({ name: 'n'.repeat(256), type: 'RSA', rsa }, /^name must be printable text of 1 to 255 characters; got "n{64}…" \(a string\)$/)
  await expect400({ name: 'bad\u0007name', type: 'RSA', rsa }, /^name must be printable text of 1 to 255 characters/)
  await expect400({ name: 'k', description: 'd'.repeat(1025), type: 'RSA', rsa }, /^description must be text of at most 1024 characters/)
  await expect400({ name: 'k', kid: '', type: 'RSA', rsa }, 'kid must be printable text of 1 to 255 characters; got "" (a string)')
  await expect400({ name: 'k', kid: 'k'.repeat(256), type: 'RSA', rsa }, /^kid must be printable text of 1 to 255 characters/)
  await expect400({ name: 'k', kid: 'line\nbreak', type: 'RSA', rsa }, /^kid must be printable text of 1 to 255 characters/)
})

t.test('sizes and curves per type', async () => {
  for (const keySize of [1024, 2047, 8192, 0, -2048]) {
    await expect400({ name: 'k', type: 'RSA', rsa: { keySize } }, `rsa.keySize must be one of 2048, 3072, 4096; got ${keySize}`)
  }
  await expect400({ name: 'k', type: 'RSA', rsa: {} }, 'rsa.keySize is required: one of 2048, 3072, 4096')
  for (const curveType of ['P224', 'p256', 'ED25519', 'secp256k1']) {
    await expect400({ name: 'k', type: 'EC', ec: { curveType } }, `ec.curveType must be one of P256, P384, P521, SECP256K1; got "${curveType}" (a string)`)
  }
  await expect400({ name: 'k', type: 'EC', ec: {} }, 'ec.curveType is required: one of P256, P384, P521, SECP256K1')
  for (const keySize of [64, 100, 1024, 2048]) {
    await expect400({ name: 'k', type: 'OCT', oct: { keySize } }, `oct.keySize must be one of 128, 192, 256, 384, 512; got ${keySize}`)
  }
  await expect400({ name: 'k', type: 'OCT', oct: {} }, 'oct.keySize is required: one of 128, 192, 256, 384, 512')
  for (const curveType of ['P256', 'Ed25519', 'X25518']) {
    await expect400({ name: 'k', type: 'OKP', okp: { curveType } }, `okp.curveType must be one of ED25519, X25519, ED448, X448; got "${curveType}" (a string)`)
  }
  await expect400({ name: 'k', type: 'OKP', okp: {} }, 'okp.curveType is required: one of ED25519, X25519, ED448, X448')
})

t.test('OCT password settings', async () => {
  for (const passwordSaltLength of [7, 1025, 0]) {
    await expect400({ name: 'k', type: 'OCT', oct: { keySize: 256, passwordSaltLength } }, `oct.passwordSaltLength must be an integer from 8 to 1024; got ${passwordSaltLength}`)
  }
  for (const passwordIterationCount of [999, 10_000_001, -1]) {
    await expect400({ name: 'k', type: 'OCT', oct: { keySize: 256, passwordIterationCount } }, `oct.passwordIterationCount must be an integer from 1000 to 10000000; got ${passwordIterationCount}`)
  }
})

t.test('keyUseType, keyIdType and dates', async () => {
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, keyUseType: 'SIGN' } }, 'rsa.keyUseType must be one of SIGNATURE, ENCRYPTION; got "SIGN" (a string)')
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, keyIdType: 'UUID' } }, 'rsa.keyIdType must be one of TIMESTAMP, ISO_DATE, SHA256, SHA1, THUMBPRINT, NONE; got "UUID" (a string)')
  for (const when of ['2024-01-01', '2024-13-01T00:00:00Z', '2024-02-30T00:00:00Z', '2024-01-01 00:00:00Z', 'yesterday', '2024-01-01T25:00:00Z']) {
    await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, notBeforeTime: when } },
      `rsa.notBeforeTime must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z; got ${JSON.stringify(when)} (a string)`)
  }
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'P256', expirationTime: 'soon' } },
    'ec.expirationTime must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z; got "soon" (a string)')
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'P256', notBeforeTime: '2025-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' } },
    'ec.expirationTime (2025-01-01T00:00:00.000Z) must be after notBeforeTime (2025-01-01T00:00:00.000Z)')
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'P256', notBeforeTime: '2025-06-01T00:00:00+02:00', expirationTime: '2025-05-31T21:00:00Z' } },
    'ec.expirationTime (2025-05-31T21:00:00.000Z) must be after notBeforeTime (2025-05-31T22:00:00.000Z)')
})

t.test('use versus curve', async () => {
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'X25519', keyUseType: 'SIGNATURE' } },
    'okp.keyUseType SIGNATURE is not possible with curve X25519: it can only agree keys; use ENCRYPTION')
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'X448', keyUseType: 'SIGNATURE' } },
    'okp.keyUseType SIGNATURE is not possible with curve X448: it can only agree keys; use ENCRYPTION')
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', keyUseType: 'ENCRYPTION' } },
    'okp.keyUseType ENCRYPTION is not possible with curve ED25519: it can only sign; use SIGNATURE (or curve X25519/X448 to encrypt)')
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'ED448', keyUseType: 'ENCRYPTION' } },
    'okp.keyUseType ENCRYPTION is not possible with curve ED448: it can only sign; use SIGNATURE (or curve X25519/X448 to encrypt)')
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'SECP256K1', keyUseType: 'ENCRYPTION' } },
    'ec.keyUseType ENCRYPTION is not possible with curve SECP256K1: JOSE defines no key agreement on it; use SIGNATURE')
})

t.test('algorithm must exist for the type, fit the use and fit the key', async () => {
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, algorithm: 'ES256' } }, /^rsa\.algorithm "ES256" is not valid for type RSA; valid: RS256 \/ RSA256, PS256, .*RSA-OAEP-512 \/ RSA_OAEP_512$/)
  await expect400({ name: 'k', type: 'RSA', rsa: { keySize: 2048, algorithm: 'rs256' } }, /^rsa\.algorithm "rs256" is not valid for type RSA/)
  await expect400({ name: 'k', type: 'EC', ec: { curveType: 'P256', algorithm: 'EdDSA' } }, /^ec\.algorithm "EdDSA" is not valid for type EC; valid: ES256, ES384, ES512, ES256K, ECDH-ES \/ ECDH_ES/)
  await expect400({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', algorithm: 'ES256' } }, /^okp\.algorithm "ES256" is not valid for type OKP/)
  await expect400({ name: 'k', type: 'OCT', oct: { keySize: 256, algorithm: 'RS256' } }, /^oct\.algorithm "RS256" is not valid for type OCT; valid: HS256, HS384, HS512, A128KW, A128GCMKW/)

  const useClash: Array<[string, object, string]> = [
    ['rsa', { keySize: 2048, keyUseType: 'ENCRYPTION', algorithm: 'RS256' }, 'rsa.algorithm RS256 is for SIGNATURE keys, but rsa.keyUseType is ENCRYPTION'],
    ['rsa', { keySize: 2048, keyUseType: 'SIGNATURE', algorithm: 'RSA_OAEP_256' }, 'rsa.algorithm RSA_OAEP_256 is for ENCRYPTION keys, but rsa.keyUseType is SIGNATURE'],
    ['ec', { curveType: 'P256', keyUseType: 'ENCRYPTION', algorithm: 'ES256' }, 'ec.algorithm ES256 is for SIGNATURE keys, but ec.keyUseType is ENCRYPTION'],
    ['ec', { curveType: 'P256', keyUseType: 'SIGNATURE', algorithm: 'ECDH_ES' }, 'ec.algorithm ECDH_ES is for ENCRYPTION keys, but ec.keyUseType is SIGNATURE'],
    ['oct', { keySize: 256, keyUseType: 'ENCRYPTION', algorithm: 'HS256' }, 'oct.algorithm HS256 is for SIGNATURE keys, but oct.keyUseType is ENCRYPTION'],
    ['oct', { keySize: 256, keyUseType: 'SIGNATURE', algorithm: 'A256KW' }, 'oct.algorithm A256KW is for ENCRYPTION keys, but oct.keyUseType is SIGNATURE'],
    ['okp', { curveType: 'ED25519', keyUseType: 'SIGNATURE', algorithm: 'ECDH_ES' }, 'okp.algorithm ECDH_ES is for ENCRYPTION keys, but okp.keyUseType is SIGNATURE']
  ]
  for (const [field, parameters, message] of useClash) {
    await expect400({ name: 'k', type: field.toUpperCase(), [field]: parameters }, message)
  }

  const misfits: Array<[string, object, string]> = [
    ['ec', { curveType: 'P384', algorithm: 'ES256' }, 'ec.algorithm ES256 needs curve P256; this key is curve P384'],
    ['ec', { curveType: 'P256', algorithm: 'ES384' }, 'ec.algorithm ES384 needs curve P384; this key is curve P256'],
    ['ec', { curveType: 'P256', algorithm: 'ES512' }, 'ec.algorithm ES512 needs curve P521; this key is curve P256'],
    ['ec', { curveType: 'P256', algorithm: 'ES256K' }, 'ec.algorithm ES256K needs curve SECP256K1; this key is curve P256'],
    ['ec', { curveType: 'SECP256K1', algorithm: 'ES256' }, 'ec.algorithm ES256 needs curve P256; this key is curve SECP256K1'],
    ['ec', { curveType: 'SECP256K1', algorithm: 'ECDH_ES' }, 'ec.algorithm ECDH_ES needs curve P256, P384, P521, X25519 or X448; this key is curve SECP256K1'],
    ['ec', { curveType: 'SECP256K1', algorithm: 'ECDH_1PU_A128KW' }, 'ec.algorithm ECDH_1PU_A128KW needs curve P256, P384, P521, X25519 or X448; this key is curve SECP256K1'],
    ['okp', { curveType: 'ED25519', algorithm: 'ECDH_ES' }, 'okp.algorithm ECDH_ES needs curve P256, P384, P521, X25519 or X448; this key is curve ED25519'],
    ['okp', { curveType: 'X25519', algorithm: 'EdDSA' }, 'okp.algorithm EdDSA needs curve ED25519 or ED448; this key is curve X25519'],
    ['okp', { curveType: 'ED448', algorithm: 'Ed25519' }, 'okp.algorithm Ed25519 needs curve ED25519; this key is curve ED448'],
    ['okp', { curveType: 'ED25519', algorithm: 'Ed448' }, 'okp.algorithm Ed448 needs curve ED448; this key is curve ED25519'],
    ['oct', { keySize: 128, algorithm: 'HS256' }, 'oct.algorithm HS256 needs keySize 256 or more; this key is keySize 128'],
    ['oct', { keySize: 256, algorithm: 'HS384' }, 'oct.algorithm HS384 needs keySize 384 or more; this key is keySize 256'],
    ['oct', { keySize: 384, algorithm: 'HS512' }, 'oct.algorithm HS512 needs keySize 512 or more; this key is keySize 384'],
    ['oct', { keySize: 256, algorithm: 'A128KW' }, 'oct.algorithm A128KW needs keySize exactly 128; this key is keySize 256'],
    ['oct', { keySize: 128, algorithm: 'A192GCMKW' }, 'oct.algorithm A192GCMKW needs keySize exactly 192; this key is keySize 128'],
    ['oct', { keySize: 512, algorithm: 'A256KW' }, 'oct.algorithm A256KW needs keySize exactly 256; this key is keySize 512']
  ]
  for (const [field, parameters, message] of misfits) {
    await expect400({ name: 'k', type: field.toUpperCase(), [field]: parameters }, message)
  }
})

t.test('an explicit kid already taken is rejected, naming its holder', async () => {
  const first = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'holder', kid: 'shared-kid', type: 'OCT', oct: { keySize: 256 } } })
  t.equal(first.statusCode, 200)
  await expect400({ name: 'other', kid: 'shared-kid', type: 'EC', ec: { curveType: 'P256' } },
    'Key ID (kid: shared-kid) is already used by JWK (name: holder) in this project; choose another kid')
})

t.test('nothing was stored for any rejected request', async () => {
  const names = (await app.store.jwks.listByProject((await app.store.projects.findByName('MyProject'))!.id)).map(record => record.name)
  t.same(names.sort(), ['holder', 'taken'])
})
