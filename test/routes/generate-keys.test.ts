import t from 'tap'
import { PRIVATE_JWK_MEMBERS } from '../helpers/keys.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { proveKeyWorks } from '../helpers/prove-key.js'

/**
 * Every (type, size or curve, use, algorithm) combination docs/API.md, "Validation" allows,
 * generated through the API, read back with GET, and proven to work by an
 * independent library. The table below is written from the spec, not from
 * jwkd's own algorithm table, so a wrong rule there cannot pass here.
 */
const { app, auth } = await buildTestApp(t)

interface Combo {
  type: 'RSA' | 'EC' | 'OCT' | 'OKP'
  parameters: Record<string, unknown>
  /** the JOSE `alg` the JWK must carry, or undefined for none */
  alg?: string
  use: 'sig' | 'enc'
}

const combos: Combo[] = []
const add = (type: Combo['type'], parameters: Record<string, unknown>, use: Combo['use'], alg?: string): void => {
  combos.push({ type, parameters, use, alg })
}

const ECDH = ['ECDH_ES', 'ECDH_ES_A128KW', 'ECDH_ES_A192KW', 'ECDH_ES_A256KW', 'ECDH_1PU', 'ECDH_1PU_A128KW', 'ECDH_1PU_A192KW', 'ECDH_1PU_A256KW']
const joseEcdh = (name: string): string => name.replace(/^ECDH_(ES|1PU)_?/, 'ECDH-$1+').replace(/\+$/, '')

for (const keySize of [2048, 3072, 4096]) {
  add('RSA', { keySize }, 'sig')
  add('RSA', { keySize, keyUseType: 'ENCRYPTION' }, 'enc')
  for (const bits of ['256', '384', '512']) {
    add('RSA', { keySize, keyUseType: 'SIGNATURE', algorithm: `RSA${bits}` }, 'sig', `RS${bits}`)
    add('RSA', { keySize, keyUseType: 'SIGNATURE', algorithm: `PS${bits}` }, 'sig', `PS${bits}`)
    add('RSA', { keySize, keyUseType: 'ENCRYPTION', algorithm: `RSA_OAEP_${bits}` }, 'enc', `RSA-OAEP-${bits}`)
  }
  add('RSA', { keySize, keyUseType: 'ENCRYPTION', algorithm: 'RSA1_5' }, 'enc', 'RSA1_5')
  add('RSA', { keySize, keyUseType: 'ENCRYPTION', algorithm: 'RSA_OAEP' }, 'enc', 'RSA-OAEP')
}
// JOSE spellings are accepted too, and an algorithm alone implies the use.
add('RSA', { keySize: 2048, algorithm: 'RS256' }, 'sig', 'RS256')
add('RSA', { keySize: 2048, algorithm: 'RSA-OAEP-256' }, 'enc', 'RSA-OAEP-256')

for (const [curveType, es] of [['P256', 'ES256'], ['P384', 'ES384'], ['P521', 'ES512'], ['SECP256K1', 'ES256K']] as const) {
  add('EC', { curveType }, 'sig')
  add('EC', { curveType, keyUseType: 'SIGNATURE', algorithm: es }, 'sig', es)
  if (curveType === 'SECP256K1') continue
  add('EC', { curveType, keyUseType: 'ENCRYPTION' }, 'enc')
  for (const name of ECDH) add('EC', { curveType, keyUseType: 'ENCRYPTION', algorithm: name }, 'enc', joseEcdh(name))
}
add('EC', { curveType: 'P256', algorithm: 'ECDH-ES+A256KW' }, 'enc', 'ECDH-ES+A256KW')

for (const curveType of ['ED25519', 'ED448']) {
  add('OKP', { curveType }, 'sig')
  add('OKP', { curveType, keyUseType: 'SIGNATURE', algorithm: 'EdDSA' }, 'sig', 'EdDSA')
}
add('OKP', { curveType: 'ED25519', algorithm: 'Ed25519' }, 'sig', 'Ed25519')
add('OKP', { curveType: 'ED448', algorithm: 'Ed448' }, 'sig', 'Ed448')
for (const curveType of ['X25519', 'X448']) {
  add('OKP', { curveType }, 'enc')
  for (const name of ECDH) add('OKP', { curveType, keyUseType: 'ENCRYPTION', algorithm: name }, 'enc', joseEcdh(name))
}

for (const keySize of [128, 192, 256, 384, 512]) {
  add('OCT', { keySize }, 'sig')
  add('OCT', { keySize, keyUseType: 'ENCRYPTION' }, 'enc')
  for (const bits of [256, 384, 512].filter(bits => bits <= keySize)) {
    add('OCT', { keySize, keyUseType: 'SIGNATURE', algorithm: `HS${bits}` }, 'sig', `HS${bits}`)
  }
  if (keySize <= 256) {
    add('OCT', { keySize, keyUseType: 'ENCRYPTION', algorithm: `A${keySize}KW` }, 'enc', `A${keySize}KW`)
    add('OCT', { keySize, keyUseType: 'ENCRYPTION', algorithm: `A${keySize}GCMKW` }, 'enc', `A${keySize}GCMKW`)
  }
  add('OCT', { keySize, keyUseType: 'ENCRYPTION', algorithm: 'DIR' }, 'enc', 'dir')
  for (const [hs, kw] of [[256, 128], [384, 192], [512, 256]]) {
    add('OCT', { keySize, keyUseType: 'ENCRYPTION', algorithm: `PBES2_HS${hs}_A${kw}KW`, passwordIterationCount: 2000, passwordSaltLength: 16 },
      'enc', `PBES2-HS${hs}+A${kw}KW`)
  }
}

const EXPECTED_CRV: Record<string, string> = {
  P256: 'P-256', P384: 'P-384', P521: 'P-521', SECP256K1: 'secp256k1', ED25519: 'Ed25519', ED448: 'Ed448', X25519: 'X25519', X448: 'X448'
}
const PRIVATE = PRIVATE_JWK_MEMBERS

/** A few requests at a time: enough to keep both workers busy, few enough to stay under the queue bound. */
async function inBatches<T> (items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let index = 0; index < items.length; index += size) await Promise.all(items.slice(index, index + size).map(work))
}

t.test(`all ${combos.length} allowed combinations generate keys that work`, async t => {
  await inBatches(combos.map((combo, index) => ({ combo, name: `${combo.type}-${index}-${combo.alg ?? combo.use}` })), 16, async ({ combo, name }) => {
    const field = combo.type.toLowerCase()
    const generated = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: combo.type, [field]: combo.parameters } })
    t.equal(generated.statusCode, 200, `${name}: generated (${generated.body.slice(0, 200)})`)
    t.equal(generated.headers.location, `/apiops/projects/${PROJECT}/jwks/${encodeURIComponent(name)}/`, `${name}: Location`)

    const full = (await app.inject({ method: 'GET', url: jwkUrl(name), headers: auth })).json().resultList[0]
    const publicOnly = (await app.inject({ method: 'GET', url: jwkUrl(name) + '?publicOnly=true', headers: auth })).json().resultList[0]
    const jwk = full[field]
    const publicJwk = publicOnly[field]
    t.equal(full.algorithm, combo.alg ?? null, `${name}: item algorithm`)
    t.equal(jwk.alg, combo.alg, `${name}: JWK alg`)
    t.equal(jwk.use, combo.use, `${name}: JWK use`)
    t.equal(full.keyUseType, combo.use === 'sig' ? 'SIGNATURE' : 'ENCRYPTION', `${name}: item keyUseType`)
    t.equal(jwk.kty, { RSA: 'RSA', EC: 'EC', OCT: 'oct', OKP: 'OKP' }[combo.type], `${name}: kty`)
    if (typeof combo.parameters.curveType === 'string') t.equal(jwk.crv, EXPECTED_CRV[combo.parameters.curveType], `${name}: crv`)
    if (combo.type === 'RSA') {
      t.equal(Buffer.from(jwk.n, 'base64url').length * 8, combo.parameters.keySize, `${name}: modulus size`)
      t.equal(jwk.e, 'AQAB', `${name}: e = 65537`)
    }
    if (combo.type === 'OCT') t.equal(Buffer.from(jwk.k, 'base64url').length * 8, combo.parameters.keySize, `${name}: secret size`)
    t.same(PRIVATE.filter(member => member in publicJwk), [], `${name}: publicOnly has no private member`)
    t.ok(PRIVATE.some(member => member in jwk), `${name}: full JWK has its private members`)

    const proof = await proveKeyWorks(jwk, combo.type === 'OCT' ? jwk : publicJwk, {
      passwordIterationCount: full.passwordIterationCount,
      passwordSaltLength: full.passwordSaltLength
    })
    t.pass(`${name}: ${proof}`)
  })
})
