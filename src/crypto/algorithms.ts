import type { KeyMaterialSpec, KeyType, KeyUse } from './jwk.js'

/**
 * Which JOSE algorithm fits which key (docs/API.md, "Validation"). A request may name an
 * algorithm by its Apinizer spelling (`RSA256`, `ECDH_ES_A128KW`) or its JOSE
 * name (`RS256`, `ECDH-ES+A128KW`); the JWK always carries the JOSE name.
 */
export interface AlgorithmRule {
  /** the JOSE `alg` (RFC 7518, RFC 8037, RFC 9864, draft-madden-jose-ecdh-1pu) */
  alg: string
  /** accepted request spellings besides `alg` */
  aliases: readonly string[]
  types: readonly KeyType[]
  use: KeyUse
  fits: (key: KeyMaterialSpec) => boolean
  /** what `fits` demands, for error messages */
  needs: string
}

const anyKey = (): boolean => true
const ecCurve = (crv: string) => (key: KeyMaterialSpec): boolean => key.kty === 'EC' && key.crv === crv
const okpCurve = (...curves: string[]) => (key: KeyMaterialSpec): boolean => key.kty === 'OKP' && curves.includes(key.crv)
const octAtLeast = (bits: number) => (key: KeyMaterialSpec): boolean => key.kty === 'oct' && key.bits >= bits
const octExactly = (bits: number) => (key: KeyMaterialSpec): boolean => key.kty === 'oct' && key.bits === bits
// secp256k1 has no JOSE key-agreement registration; X25519/X448 do (RFC 8037).
const agreementCurve = (key: KeyMaterialSpec): boolean =>
  (key.kty === 'EC' && key.crv !== 'secp256k1') || (key.kty === 'OKP' && (key.crv === 'X25519' || key.crv === 'X448'))

const rules: AlgorithmRule[] = []

function add (types: KeyType[], use: KeyUse, alg: string, aliases: string[], fits: AlgorithmRule['fits'], needs: string): void {
  rules.push({ alg, aliases, types, use, fits, needs })
}

for (const bits of ['256', '384', '512']) {
  add(['RSA'], 'SIGNATURE', `RS${bits}`, [`RSA${bits}`], anyKey, 'an RSA key')
  add(['RSA'], 'SIGNATURE', `PS${bits}`, [], anyKey, 'an RSA key')
}
add(['RSA'], 'ENCRYPTION', 'RSA1_5', [], anyKey, 'an RSA key')
add(['RSA'], 'ENCRYPTION', 'RSA-OAEP', ['RSA_OAEP'], anyKey, 'an RSA key')
for (const bits of ['256', '384', '512']) {
  add(['RSA'], 'ENCRYPTION', `RSA-OAEP-${bits}`, [`RSA_OAEP_${bits}`], anyKey, 'an RSA key')
}

add(['EC'], 'SIGNATURE', 'ES256', [], ecCurve('P-256'), 'curve P256')
add(['EC'], 'SIGNATURE', 'ES384', [], ecCurve('P-384'), 'curve P384')
add(['EC'], 'SIGNATURE', 'ES512', [], ecCurve('P-521'), 'curve P521')
add(['EC'], 'SIGNATURE', 'ES256K', [], ecCurve('secp256k1'), 'curve SECP256K1')
for (const scheme of ['ES', '1PU']) {
  const needs = 'curve P256, P384, P521, X25519 or X448'
  add(['EC', 'OKP'], 'ENCRYPTION', `ECDH-${scheme}`, [`ECDH_${scheme}`], agreementCurve, needs)
  for (const kw of ['A128KW', 'A192KW', 'A256KW']) {
    add(['EC', 'OKP'], 'ENCRYPTION', `ECDH-${scheme}+${kw}`, [`ECDH_${scheme}_${kw}`], agreementCurve, needs)
  }
}

add(['OKP'], 'SIGNATURE', 'EdDSA', [], okpCurve('Ed25519', 'Ed448'), 'curve ED25519 or ED448')
add(['OKP'], 'SIGNATURE', 'Ed25519', [], okpCurve('Ed25519'), 'curve ED25519')
add(['OKP'], 'SIGNATURE', 'Ed448', [], okpCurve('Ed448'), 'curve ED448')

for (const bits of [256, 384, 512]) {
  add(['OCT'], 'SIGNATURE', `HS${bits}`, [], octAtLeast(bits), `keySize ${bits} or more`)
}
for (const bits of [128, 192, 256]) {
  add(['OCT'], 'ENCRYPTION', `A${bits}KW`, [], octExactly(bits), `keySize exactly ${bits}`)
  add(['OCT'], 'ENCRYPTION', `A${bits}GCMKW`, [], octExactly(bits), `keySize exactly ${bits}`)
}
add(['OCT'], 'ENCRYPTION', 'dir', ['DIR'], anyKey, 'a symmetric key')
for (const [hs, kw] of [['256', '128'], ['384', '192'], ['512', '256']]) {
  add(['OCT'], 'ENCRYPTION', `PBES2-HS${hs}+A${kw}KW`, [`PBES2_HS${hs}_A${kw}KW`], anyKey, 'a symmetric key')
}

export const algorithmsFor = (type: KeyType): AlgorithmRule[] => rules.filter(rule => rule.types.includes(type))

/** The rule a request's algorithm name refers to for this key type, if any. */
export function findAlgorithm (type: KeyType, name: string): AlgorithmRule | undefined {
  return algorithmsFor(type).find(rule => rule.alg === name || rule.aliases.includes(name))
}
