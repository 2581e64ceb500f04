import type { InspectedKey } from '../crypto/inspect-jwk.js'
import type { KeyUse, Jwk } from '../crypto/jwk.js'
import { orderJwk, splitJwk } from '../crypto/jwk.js'
import { BadRequestError } from '../errors.js'
import { isPrintableText } from '../schemas/common.js'
import type { CreateJwkBody } from '../schemas/manage.js'
import type { NewJwk } from '../store/jwks.js'
import type { ImportSource } from './import-plan.js'
import { resolveUsage } from './key-usage.js'
import { fromNumericDate, oneYearAfter, readNumericDate, toNumericDate } from './validity.js'

/** A key ready to be stored: everything but its id, kid and bookkeeping. */
export type Draft = Omit<NewJwk, 'id' | 'projectId' | 'sealedPrivate' | 'createdAt'> & { privateMembers: Record<string, string> | undefined }

// A Map, not an object literal: a foreign "use" such as "constructor" must find nothing.
const USES = new Map<unknown, KeyUse>([['sig', 'SIGNATURE'], ['enc', 'ENCRYPTION']])

/**
 * The draft of an imported key, from the members a real import produced and
 * the foreign JWK's own `use`, `alg`, `kid` and dates, each checked.
 */
export function draftImport (body: CreateJwkBody, source: ImportSource, key: InspectedKey, now: Date): Draft {
  const { jwk } = source
  if (body.type !== undefined && body.type !== key.type) throw new BadRequestError(`The key is of type ${key.type}, not ${body.type}`)
  if (jwk.use !== undefined && !USES.has(jwk.use)) throw new BadRequestError('The key\'s "use" must be "sig" or "enc"')
  if (jwk.alg !== undefined && typeof jwk.alg !== 'string') throw new BadRequestError('The key\'s "alg" must be a string')
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || !isPrintableText(jwk.kid, 255))) {
    throw new BadRequestError('The key\'s "kid" must be printable text of 1 to 255 characters')
  }
  const { keyUse, rule } = resolveUsage(key.type, key.material, USES.get(jwk.use), jwk.alg as string | undefined,
    source.usageFields ?? { use: 'The key\'s "use"', algorithm: 'The key\'s "alg"' })
  const issued = toNumericDate(now)
  const nbf = readNumericDate(jwk.nbf, issued)
  const exp = readNumericDate(jwk.exp, toNumericDate(oneYearAfter(fromNumericDate(nbf))))
  if (exp <= nbf) throw new BadRequestError('The key\'s "exp" must be after its "nbf"')
  const full: Jwk = { ...key.members, ...source.extraMembers as Jwk, use: keyUse === 'SIGNATURE' ? 'sig' : 'enc', iat: readNumericDate(jwk.iat, issued), nbf, exp }
  if (rule !== undefined) full.alg = rule.alg
  if (typeof jwk.kid === 'string') full.kid = jwk.kid
  const { publicJwk, privateMembers } = splitJwk(orderJwk(full))
  return {
    name: body.name,
    description: body.description ?? '',
    sourceType: source.sourceType,
    sourceId: source.sourceId,
    sourceUrl: source.sourceUrl,
    type: key.type,
    keyUse,
    algorithm: rule?.alg ?? null,
    parameters: { keyUseType: keyUse },
    publicJwk,
    privateMembers: key.hasPrivate ? privateMembers : undefined,
    thumbprint: key.thumbprint,
    notBefore: fromNumericDate(nbf).toISOString(),
    expiresAt: fromNumericDate(exp).toISOString()
  }
}
