import type { KeyMaterialSpec, KeyType, KeyUse } from '../crypto/jwk.js'
import type { KeygenTask } from '../crypto/keygen-task.js'
import type { KeyIdType } from '../crypto/kid.js'
import { BadRequestError } from '../errors.js'
import type { GenerateJwkBody, KeyParameters } from '../schemas/generate.js'
import { KEY_TYPES } from '../schemas/generate.js'
import type { RotationPolicy } from '../store/jwk-versions.js'
import { EC_CURVES, OKP_CURVES, resolveUsage } from './key-usage.js'
import { normalizePolicy } from './rotation-schedule.js'
import { fromNumericDate, oneYearAfter, toNumericDate } from './validity.js'

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
  /** how it rotates on its own, if the request asked */
  rotation?: RotationPolicy
}

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

/** Whole seconds: JWK NumericDates have no fractions, so neither do the stored times. */
const toSecond = (date: Date): Date => fromNumericDate(toNumericDate(date))

function validityOf (parameters: KeyParameters, field: string, now: Date): { notBefore: Date, expiresAt: Date } {
  const notBefore = toSecond(parameters.notBeforeTime === undefined ? now : new Date(parameters.notBeforeTime))
  const expiresAt = parameters.expirationTime === undefined ? oneYearAfter(notBefore) : toSecond(new Date(parameters.expirationTime))
  if (expiresAt.getTime() <= notBefore.getTime()) {
    throw new BadRequestError(`${field}.expirationTime (${expiresAt.toISOString()}) must be after notBeforeTime (${notBefore.toISOString()})`)
  }
  return { notBefore, expiresAt }
}

/**
 * Every rule of docs/API.md, "Validation" the schema cannot state: the parameter object
 * matching `type`, use versus curve, algorithm versus use and key, dates.
 */
export function planGeneration (body: GenerateJwkBody, now: Date): GenerationPlan {
  const field = objectKey(body.type)
  const parameters = parametersOf(body)
  const material = materialOf(body)
  const { keyUse, rule } = resolveUsage(body.type, material, parameters.keyUseType, parameters.algorithm,
    { use: `${field}.keyUseType`, algorithm: `${field}.algorithm` })
  const { notBefore, expiresAt } = validityOf(parameters, field, now)
  const keyIdType: KeyIdType = parameters.keyIdType ?? 'TIMESTAMP'

  const task: KeygenTask = {
    material,
    use: keyUse === 'SIGNATURE' ? 'sig' : 'enc',
    iat: toNumericDate(now),
    nbf: toNumericDate(notBefore),
    exp: toNumericDate(expiresAt)
  }
  if (rule !== undefined) task.alg = rule.alg
  if (body.kid !== undefined) task.kid = body.kid
  else if (keyIdType === 'SHA256' || keyIdType === 'SHA1' || keyIdType === 'THUMBPRINT') task.hashKid = keyIdType

  const { rotation, ...rest } = parameters
  const recorded: Record<string, string | number> = { ...rest, keyUseType: keyUse, keyIdType }
  delete recorded.algorithm
  delete recorded.notBeforeTime
  delete recorded.expirationTime
  // A rotation needs to know the kid was the request's: each new version then needs one too.
  if (body.kid !== undefined) recorded.explicitKid = 1

  const plan: GenerationPlan = { type: body.type, keyUse, algorithm: rule?.alg ?? null, task, parameters: recorded, notBefore, expiresAt }
  if (body.kid === undefined && (keyIdType === 'TIMESTAMP' || keyIdType === 'ISO_DATE')) plan.timeKid = keyIdType
  if (rotation !== undefined) {
    if (body.kid !== undefined) throw new BadRequestError(`${field}.rotation: a key whose kid the request gives cannot rotate on its own (each version needs a new kid); leave kid out and choose a keyIdType`)
    if (keyIdType === 'NONE') throw new BadRequestError(`${field}.rotation: a key without a kid (keyIdType NONE) cannot have versions: verifiers could not tell them apart`)
    plan.rotation = normalizePolicy(rotation, `${field}.rotation`)
  }
  return plan
}
