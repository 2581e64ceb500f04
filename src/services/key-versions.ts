import { BadRequestError } from '../errors.js'
import type { RotationPolicyBody } from '../schemas/rotation.js'
import type { RotationPolicy, VersionRecord, VersionState } from '../store/jwk-versions.js'
import { withLifecycle, type JwkRecord } from '../store/jwks.js'
import type { Repositories } from '../store/store.js'
import { lifecycleEvents, nextEventAt, normalizePolicy, publicationOf } from './rotation-schedule.js'

/**
 * A key's versions: how they are read (a key that never rotated has one, its
 * own row), the write that follows every change of them, and the rules of
 * which key may have them and which state moves are possible.
 */

export type VersionAction = 'disable' | 'enable' | 'destroy'

/** A version as `GET …/versions/` shows it: public members only. */
export interface VersionView {
  version: number
  kid: string
  state: VersionState
  thumbprint: string
  notBeforeTime: string
  expirationTime: string
  createdAt: string
  activatesAt: string | null
  retiredAt: string | null
  verifyUntil: string | null
  destroyedAt: string | null
  jwk: Record<string, unknown> | null
}

const toView = (version: VersionRecord): VersionView => ({
  version: version.version,
  kid: version.kid,
  state: version.state,
  thumbprint: version.thumbprint,
  notBeforeTime: version.notBefore,
  expirationTime: version.expiresAt,
  createdAt: version.createdAt,
  activatesAt: version.activatesAt,
  retiredAt: version.retiredAt,
  verifyUntil: version.verifyUntil,
  destroyedAt: version.destroyedAt,
  jwk: version.publicJwk
})

/** The version a key that never rotated has: its own row. */
const firstVersion = (record: JwkRecord): VersionRecord => ({
  jwkId: record.id,
  projectId: record.projectId,
  version: 1,
  kid: record.kid!,
  state: 'ACTIVE',
  publicJwk: record.publicJwk,
  sealedPrivate: null,
  thumbprint: record.thumbprint,
  notBefore: record.notBefore,
  expiresAt: record.expiresAt,
  createdAt: record.createdAt,
  activatesAt: record.createdAt,
  retiredAt: null,
  verifyUntil: null,
  destroyedAt: null
})

/** A key's versions; a key that never rotated has one, its own row. */
export async function versionsOf (record: JwkRecord, repositories: Repositories): Promise<VersionRecord[]> {
  const versions = await repositories.jwkVersions.list(record.id)
  return versions.length > 0 || record.kid === null ? versions : [firstVersion(record)]
}

/** A key's versions as `GET …/versions/` and the CLI show them. */
export const versionViews = async (record: JwkRecord, repositories: Repositories): Promise<VersionView[]> =>
  (await versionsOf(record, repositories)).map(toView)

/** The key row after `versions` changed: publication, next event and revision follow. */
export async function saveLifecycle (tx: Repositories, record: JwkRecord, versions: VersionRecord[], changes: Partial<JwkRecord>, now: Date): Promise<JwkRecord> {
  const merged = { ...record, ...changes }
  const events = lifecycleEvents(merged.rotation, versions)
  const hasOthers = versions.some(version => version.state !== 'ACTIVE')
  const updated = withLifecycle(record, {
    kid: merged.kid,
    publicJwk: merged.publicJwk,
    sealedPrivate: merged.sealedPrivate,
    thumbprint: merged.thumbprint,
    notBefore: merged.notBefore,
    expiresAt: merged.expiresAt,
    rotation: merged.rotation,
    publication: hasOthers || merged.rotation !== null ? publicationOf(versions, events) : null,
    nextEventAt: nextEventAt(events)
  }, now)
  await tx.jwks.saveLifecycle(updated)
  return updated
}

/** Sets, changes or (null) removes a key's policy in the caller's transaction; its next event follows. */
export async function applyPolicy (tx: Repositories, record: JwkRecord, policy: RotationPolicy | null, now: Date): Promise<JwkRecord> {
  const versions = await versionsOf(record, tx)
  if (policy !== null) for (const version of versions) await tx.jwkVersions.save(version)
  return await saveLifecycle(tx, record, versions, { rotation: policy }, now)
}

/** Why a key cannot have versions, or undefined when it can. */
export function cannotRotate (record: JwkRecord): string | undefined {
  if (record.sourceType !== 'GENERATE') return `JWK (name: ${record.name}) was imported (${record.sourceType}): jwkd cannot make new material for it; import its successor as a new key`
  if (record.kid === null) return `JWK (name: ${record.name}) has no kid: verifiers could not tell its versions apart; generate it with a keyIdType other than NONE`
  return undefined
}

/** A rotation policy for a new or existing key; 400 for a key that cannot rotate on its own. */
export function policyFor (record: Pick<JwkRecord, 'name' | 'sourceType' | 'parameters'> & { kid: string | null }, body: RotationPolicyBody, field: string): RotationPolicy {
  if (record.parameters.explicitKid !== undefined) {
    throw new BadRequestError(`${field}: a key with a kid given by the request cannot rotate on its own (each version needs a new kid); leave kid out and choose a keyIdType`)
  }
  const reason = cannotRotate(record as JwkRecord)
  if (reason !== undefined) throw new BadRequestError(reason)
  return normalizePolicy(body, field)
}

/** Why `action` cannot be done to a version in `state`, or undefined when it can. */
export function refusalOf (action: VersionAction, state: VersionState): string | undefined {
  if (state === 'DESTROYED') return 'it is destroyed; its material is gone for good'
  if (state === 'ACTIVE') return action === 'enable' ? 'it is the current version, already enabled' : 'it is the current version; rotate the key first'
  if (state === 'PENDING') return action === 'enable' ? 'it is pending, already enabled' : 'it is the next current version; change or remove the rotation policy instead'
  if (action === 'enable' && state !== 'DISABLED') return `it is ${state}, not DISABLED`
  if (action === 'disable' && state !== 'RETIRED') return `it is ${state}, not RETIRED`
  return undefined
}

/** A tombstone: the kid and thumbprint stay, for the audit and so the kid is never given again. */
export function erase (version: VersionRecord, now: Date): void {
  version.state = 'DESTROYED'
  version.publicJwk = null
  version.sealedPrivate = null
  version.destroyedAt = now.toISOString()
}
