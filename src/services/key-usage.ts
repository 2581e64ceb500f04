import { algorithmsFor, findAlgorithm, type AlgorithmRule } from '../crypto/algorithms.js'
import type { KeyMaterialSpec, KeyType, KeyUse } from '../crypto/jwk.js'
import { BadRequestError } from '../errors.js'

/** Request spellings of curves, for messages: the names clients send. */
export const EC_CURVES = { P256: 'P-256', P384: 'P-384', P521: 'P-521', SECP256K1: 'secp256k1' } as const
export const OKP_CURVES = { ED25519: 'Ed25519', X25519: 'X25519', ED448: 'Ed448', X448: 'X448' } as const

const curveName = (crv: string): string =>
  Object.entries({ ...EC_CURVES, ...OKP_CURVES }).find(([, jose]) => jose === crv)?.[0] ?? crv

export function describeMaterial (material: KeyMaterialSpec): string {
  switch (material.kty) {
    case 'RSA': return `RSA ${material.modulusLength}`
    case 'oct': return `keySize ${material.bits}`
    default: return `curve ${curveName(material.crv)}`
  }
}

/** Where the use and the algorithm came from, so messages name the client's own fields. */
export interface UsageFields {
  use: string
  algorithm: string
}

export interface KeyUsage {
  keyUse: KeyUse
  rule?: AlgorithmRule
}

/** Agreement-only curves cannot sign; signature-only curves cannot agree keys; JOSE has no ECDH on secp256k1. */
function forbiddenUse (material: KeyMaterialSpec, fields: UsageFields): [KeyUse, string] | undefined {
  if (material.kty === 'OKP' && (material.crv === 'X25519' || material.crv === 'X448')) {
    return ['SIGNATURE', `${fields.use} SIGNATURE is not possible with curve ${curveName(material.crv)}: it can only agree keys; use ENCRYPTION`]
  }
  if (material.kty === 'OKP') {
    return ['ENCRYPTION', `${fields.use} ENCRYPTION is not possible with curve ${curveName(material.crv)}: it can only sign; use SIGNATURE (or curve X25519/X448 to encrypt)`]
  }
  if (material.kty === 'EC' && material.crv === 'secp256k1') {
    return ['ENCRYPTION', `${fields.use} ENCRYPTION is not possible with curve SECP256K1: JOSE defines no key agreement on it; use SIGNATURE`]
  }
  return undefined
}

function resolveAlgorithm (type: KeyType, name: string, material: KeyMaterialSpec, requestedUse: KeyUse | undefined, fields: UsageFields): AlgorithmRule {
  const rule = findAlgorithm(type, name)
  if (rule === undefined) {
    const valid = algorithmsFor(type).map(candidate => [candidate.alg, ...candidate.aliases].join(' / ')).join(', ')
    throw new BadRequestError(`${fields.algorithm} ${JSON.stringify(name.slice(0, 64))} is not valid for type ${type}; valid: ${valid}`)
  }
  if (requestedUse !== undefined && requestedUse !== rule.use) {
    throw new BadRequestError(`${fields.algorithm} ${name} is for ${rule.use} keys, but ${fields.use} is ${requestedUse}`)
  }
  if (!rule.fits(material)) {
    throw new BadRequestError(`${fields.algorithm} ${name} needs ${rule.needs}; this key is ${describeMaterial(material)}`)
  }
  return rule
}

/**
 * The key's use and algorithm, checked against each other and the key
 * (docs/API.md, "Validation"). Without an explicit use, the algorithm's use wins, then the
 * curve's only possible use, then SIGNATURE.
 */
export function resolveUsage (type: KeyType, material: KeyMaterialSpec, requestedUse: KeyUse | undefined, algorithm: string | undefined, fields: UsageFields): KeyUsage {
  const rule = algorithm === undefined ? undefined : resolveAlgorithm(type, algorithm, material, requestedUse, fields)
  const forbidden = forbiddenUse(material, fields)
  const fallback: KeyUse = forbidden?.[0] === 'SIGNATURE' ? 'ENCRYPTION' : 'SIGNATURE'
  const keyUse = requestedUse ?? rule?.use ?? fallback
  if (forbidden !== undefined && keyUse === forbidden[0]) throw new BadRequestError(forbidden[1])
  return rule === undefined ? { keyUse } : { keyUse, rule }
}
