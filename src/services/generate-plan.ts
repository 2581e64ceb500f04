import { algorithmsFor, findAlgorithm } from '../crypto/algorithms.js'
import type { KeyMaterialSpec, KeyType, KeyUse } from '../crypto/jwk.js'
import type { KeygenTask } from '../crypto/keygen-task.js'
import type { KeyIdType } from '../crypto/kid.js'
import { BadRequestError } from '../errors.js'
import type { GenerateJwkBody, KeyParameters } from '../schemas/generate.js'
import { KEY_TYPES } from '../schemas/generate.js'

/** A validated generate request, resolved into what the worker and the store need. */
export interface GenerationPlan {
  type: KeyType
  keyUse: KeyUse
  algorithm: string | null
  task: KeygenTask
  /** TIMESTAMP and ISO_DATE kids are settled by the store, where collisions are visible. */
  timeKid?: 'TIMESTAMP' | 'ISO_DATE'
  parameters: Record<string, string | number>
  notBefore: Date
  expiresAt: Date
}

const EC_CURVES = { P256: 'P-256', P384: 'P-384', P521: 'P-521', SECP256K1: 'secp256k1' } as const
const OKP_CURVES = { ED25519: 'Ed25519', X25519: 'X25519', ED448: 'Ed448', X448: 'X448' } as const

const objectKey = (type: KeyType): 'rsa' | 'ec' | 'oct' | 'okp' => type.toLowerCase() as 'rsa' | 'ec' | 'oct' | 'okp'

function materialOf (body: GenerateJwkBody): KeyMaterialSpec {
  switch (body.type) {
    case 'RSA': return { kty: 'RSA', modulusLength: body.rsa!.keySize }
    case 'EC': return { kty: 'EC', crv: EC_CURVES[body.ec!.curveType] }
    case 'OKP': return { kty: 'OKP', crv: OKP_CURVES[body.okp!.curveType] }
    case 'OCT': return { kty: 'oct', bits: body.oct!.keySize }
  }
}

/** The parameter object for `type` must be there, and no other. */
function parametersOf (body: GenerateJwkBody): KeyParameters {
  const key = objectKey(body.type)
  for (const other of KEY_TYPES) {
    const otherKey = objectKey(other)
    if (other !== body.type && body[otherKey] !== undefined) {
      throw new BadRequestError(`"${otherKey}" object is not allowed when type is ${body.type}; send the parameters in "${key}"`)
    }
  }
  const parameters = body[key]
  if (parameters === undefined) throw new BadRequestError(`"${key}" object is required when type is ${body.type}`)
  return parameters
}

/** Agreement-only curves cannot sign; signature-only curves cannot agree keys; no JOSE ECDH exists for secp256k1. */
function defaultAndAllowedUse (material: KeyMaterialSpec, field: string): { fallback: KeyUse, forbidden?: [KeyUse, string] } {
  if (material.kty === 'OKP' && (material.crv === 'X25519' || material.crv === 'X448')) {
    return { fallback: 'ENCRYPTION', forbidden: ['SIGNATURE', `${field}.keyUseType SIGNATURE is not possible with curve ${material.crv.toUpperCase()}: it can only agree keys; use ENCRYPTION`] }
  }
  if (material.kty === 'OKP') {
    return { fallback: 'SIGNATURE', forbidden: ['ENCRYPTION', `${field}.keyUseType ENCRYPTION is not possible with curve ${material.crv.toUpperCase()}: it can only sign; use SIGNATURE (or curve X25519/X448 to encrypt)`] }
  }
  if (material.kty === 'EC' && material.crv === 'secp256k1') {
    return { fallback: 'SIGNATURE', forbidden: ['ENCRYPTION', `${field}.keyUseType ENCRYPTION is not possible with curve SECP256K1: JOSE defines no key agreement on it; use SIGNATURE`] }
  }
  return { fallback: 'SIGNATURE' }
}

function resolveAlgorithm (type: KeyType, field: string, name: string, material: KeyMaterialSpec, requestedUse: KeyUse | undefined) {
  const rule = findAlgorithm(type, name)
  if (rule === undefined) {
    const valid = algorithmsFor(type).map(candidate => [candidate.alg, ...candidate.aliases].join(' / ')).join(', ')
    throw new BadRequestError(`${field}.algorithm ${JSON.stringify(name.slice(0, 64))} is not valid for type ${type}; valid: ${valid}`)
  }
  if (requestedUse !== undefined && requestedUse !== rule.use) {
    throw new BadRequestError(`${field}.algorithm ${name} is for ${rule.use} keys, but keyUseType is ${requestedUse}`)
  }
  if (!rule.fits(material)) {
    throw new BadRequestError(`${field}.algorithm ${name} needs ${rule.needs}; this key is ${describeMaterial(material)}`)
  }
  return rule
}

function describeMaterial (material: KeyMaterialSpec): string {
  switch (material.kty) {
    case 'RSA': return `RSA ${material.modulusLength}`
    case 'oct': return `keySize ${material.bits}`
    default: return `curve ${Object.entries({ ...EC_CURVES, ...OKP_CURVES }).find(([, crv]) => crv === material.crv)?.[0]}`
  }
}

const numericDate = (date: Date): number => Math.floor(date.getTime() / 1000)

/** Whole seconds: JWK NumericDates have no fractions, so neither do the stored times. */
const toSecond = (date: Date): Date => new Date(numericDate(date) * 1000)

function validityOf (parameters: KeyParameters, field: string, now: Date): { notBefore: Date, expiresAt: Date } {
  const notBefore = toSecond(parameters.notBeforeTime === undefined ? now : new Date(parameters.notBeforeTime))
  let expiresAt: Date
  if (parameters.expirationTime === undefined) {
    expiresAt = new Date(notBefore)
    expiresAt.setUTCFullYear(expiresAt.getUTCFullYear() + 1)
  } else {
    expiresAt = toSecond(new Date(parameters.expirationTime))
  }
  if (expiresAt.getTime() <= notBefore.getTime()) {
    throw new BadRequestError(`${field}.expirationTime (${expiresAt.toISOString()}) must be after notBeforeTime (${notBefore.toISOString()})`)
  }
  return { notBefore, expiresAt }
}

/**
 * Every rule of SPEC §4.1 the schema cannot state: the parameter object
 * matching `type`, use versus curve, algorithm versus use and key, dates.
 */
export function planGeneration (body: GenerateJwkBody, now: Date = new Date()): GenerationPlan {
  const field = objectKey(body.type)
  const parameters = parametersOf(body)
  const material = materialOf(body)
  const { fallback, forbidden } = defaultAndAllowedUse(material, field)
  const rule = parameters.algorithm === undefined
    ? undefined
    : resolveAlgorithm(body.type, field, parameters.algorithm, material, parameters.keyUseType)
  // An algorithm implies its use: `{"algorithm":"RSA-OAEP-256"}` alone makes an encryption key.
  const keyUse = parameters.keyUseType ?? rule?.use ?? fallback
  if (forbidden !== undefined && keyUse === forbidden[0]) throw new BadRequestError(forbidden[1])
  const { notBefore, expiresAt } = validityOf(parameters, field, now)
  const keyIdType: KeyIdType = parameters.keyIdType ?? 'TIMESTAMP'

  const task: KeygenTask = {
    material,
    use: keyUse === 'SIGNATURE' ? 'sig' : 'enc',
    iat: numericDate(now),
    nbf: numericDate(notBefore),
    exp: numericDate(expiresAt)
  }
  if (rule !== undefined) task.alg = rule.alg
  if (body.kid !== undefined) task.kid = body.kid
  else if (keyIdType === 'SHA256' || keyIdType === 'SHA1' || keyIdType === 'THUMBPRINT') task.hashKid = keyIdType

  const recorded: Record<string, string | number> = { ...parameters, keyUseType: keyUse, keyIdType }
  delete recorded.algorithm
  delete recorded.notBeforeTime
  delete recorded.expirationTime
  if (body.type === 'OCT') {
    recorded.passwordSaltLength = body.oct?.passwordSaltLength ?? 8
    recorded.passwordIterationCount = body.oct?.passwordIterationCount ?? 1000
  }

  const plan: GenerationPlan = { type: body.type, keyUse, algorithm: rule?.alg ?? null, task, parameters: recorded, notBefore, expiresAt }
  if (body.kid === undefined && (keyIdType === 'TIMESTAMP' || keyIdType === 'ISO_DATE')) plan.timeKid = keyIdType
  return plan
}
