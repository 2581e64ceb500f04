import type { Jwk } from '../crypto/jwk.js'
import { statement, type Db } from './database.js'
import { KidTakenError, isUniqueViolation } from './errors.js'
import type { JwkVersions } from './repositories.js'

export type VersionState = 'PENDING' | 'ACTIVE' | 'RETIRED' | 'DISABLED' | 'DESTROYED'

/** A key's rotation policy, durations as ISO 8601 (docs/API.md, "Rotation"). */
export interface RotationPolicy {
  period: string
  verificationTtl: string
  publishAhead: string
  retain?: number
}

/** One version of a key, as its table holds it. */
export interface VersionRecord {
  jwkId: string
  projectId: string
  version: number
  kid: string
  state: VersionState
  /** null once destroyed */
  publicJwk: Jwk | null
  /** null for the current version (its material is the key row's) and once destroyed */
  sealedPrivate: string | null
  thumbprint: string
  notBefore: string
  expiresAt: string
  createdAt: string
  /** PENDING: when it becomes current; since then, when it did */
  activatesAt: string | null
  retiredAt: string | null
  /** RETIRED: published until then, so tokens it signed still verify */
  verifyUntil: string | null
  destroyedAt: string | null
}

/** A version the key's snapshot publishes beside the current one. */
export interface PublishedVersion {
  kid: string
  state: 'PENDING' | 'RETIRED'
  jwk: Jwk
  expiresAt: string
  activatesAt?: string
  verifyUntil?: string
}

/** What the public JWK Set needs of a key's versions: the others it publishes, and when that next changes. */
export interface Publication {
  versions: PublishedVersion[]
  /** when the scheduler will publish the next version */
  nextPublishAt?: string
}

/** What the metrics tell of the keys' lives: versions by state, and the keys with a schedule. */
export interface LifecycleSummary {
  /** a key that never rotated counts as one ACTIVE version */
  versionsByState: Partial<Record<VersionState, number>>
  scheduled: Array<{ kid: string, nextEventAt: string | null, expiresAt: string }>
  soonestExpiry: string | null
}

export const LIFECYCLE_SUMMARY_SQL = {
  states: 'SELECT state, count(*) AS n FROM jwk_versions GROUP BY state',
  unversioned: 'SELECT count(*) AS n FROM jwks WHERE NOT EXISTS (SELECT 1 FROM jwk_versions WHERE jwk_versions.jwk_id = jwks.id)',
  scheduled: 'SELECT kid, next_event_at, expires_at FROM jwks WHERE rotation IS NOT NULL AND kid IS NOT NULL',
  soonestExpiry: 'SELECT min(expires_at) AS soonest FROM jwks'
} as const

export function toLifecycleSummary (states: Array<{ state: string, n: number | string }>, unversioned: number | string, scheduled: Array<{ kid: string, next_event_at: string | null, expires_at: string }>, soonest: string | null): LifecycleSummary {
  const versionsByState: Partial<Record<VersionState, number>> = {}
  for (const { state, n } of states) versionsByState[state as VersionState] = Number(n)
  versionsByState.ACTIVE = (versionsByState.ACTIVE ?? 0) + Number(unversioned)
  return { versionsByState, scheduled: scheduled.map(row => ({ kid: row.kid, nextEventAt: row.next_event_at, expiresAt: row.expires_at })), soonestExpiry: soonest }
}

export interface VersionRow {
  jwk_id: string
  project_id: string
  version: number
  kid: string
  state: string
  public_jwk: string | null
  sealed_private: string | null
  thumbprint: string
  not_before: string
  expires_at: string
  created_at: string
  activates_at: string | null
  retired_at: string | null
  verify_until: string | null
  destroyed_at: string | null
}

export const toVersionRecord = (row: VersionRow): VersionRecord => ({
  jwkId: row.jwk_id,
  projectId: row.project_id,
  version: row.version,
  kid: row.kid,
  state: row.state as VersionState,
  publicJwk: row.public_jwk === null ? null : JSON.parse(row.public_jwk) as Jwk,
  sealedPrivate: row.sealed_private,
  thumbprint: row.thumbprint,
  notBefore: row.not_before,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  activatesAt: row.activates_at,
  retiredAt: row.retired_at,
  verifyUntil: row.verify_until,
  destroyedAt: row.destroyed_at
})

export const VERSION_COLUMNS = ['jwk_id', 'project_id', 'version', 'kid', 'state', 'public_jwk', 'sealed_private', 'thumbprint', 'not_before',
  'expires_at', 'created_at', 'activates_at', 'retired_at', 'verify_until', 'destroyed_at'] as const

export const versionValues = (record: VersionRecord): unknown[] => [
  record.jwkId, record.projectId, record.version, record.kid, record.state, record.publicJwk === null ? null : JSON.stringify(record.publicJwk),
  record.sealedPrivate, record.thumbprint, record.notBefore, record.expiresAt, record.createdAt, record.activatesAt, record.retiredAt,
  record.verifyUntil, record.destroyedAt
]

export class JwkVersionRepository implements JwkVersions {
  readonly #db: Db

  constructor (db: Db) {
    this.#db = db
  }

  async list (jwkId: string): Promise<VersionRecord[]> {
    return (statement(this.#db, 'SELECT * FROM jwk_versions WHERE jwk_id = ? ORDER BY version').all(jwkId) as VersionRow[]).map(toVersionRecord)
  }

  /** Inserts a version, or rewrites the one with its number: the kid's uniqueness is the index's to keep. */
  async save (record: VersionRecord): Promise<void> {
    try {
      statement(this.#db, `INSERT INTO jwk_versions (${VERSION_COLUMNS.join(', ')}) VALUES (${VERSION_COLUMNS.map(() => '?').join(', ')})
        ON CONFLICT (jwk_id, version) DO UPDATE SET ${VERSION_COLUMNS.slice(3).map(column => `${column} = excluded.${column}`).join(', ')}`)
        .run(...versionValues(record))
    } catch (err) {
      if (isUniqueViolation(err)) throw new KidTakenError(record.kid, 'another key')
      throw err
    }
  }

  async sealedPrivates (): Promise<Array<{ jwkId: string, version: number, sealedPrivate: string }>> {
    return (statement(this.#db, 'SELECT jwk_id, version, sealed_private FROM jwk_versions WHERE sealed_private IS NOT NULL').all() as VersionRow[])
      .map(row => ({ jwkId: row.jwk_id, version: row.version, sealedPrivate: row.sealed_private! }))
  }

  async summary (): Promise<LifecycleSummary> {
    return toLifecycleSummary(
      statement(this.#db, LIFECYCLE_SUMMARY_SQL.states).all() as Array<{ state: string, n: number }>,
      (statement(this.#db, LIFECYCLE_SUMMARY_SQL.unversioned).get() as { n: number }).n,
      statement(this.#db, LIFECYCLE_SUMMARY_SQL.scheduled).all() as Array<{ kid: string, next_event_at: string | null, expires_at: string }>,
      (statement(this.#db, LIFECYCLE_SUMMARY_SQL.soonestExpiry).get() as { soonest: string | null }).soonest)
  }

  async reseal (jwkId: string, version: number, sealedPrivate: string): Promise<void> {
    statement(this.#db, 'UPDATE jwk_versions SET sealed_private = ? WHERE jwk_id = ? AND version = ?').run(sealedPrivate, jwkId, version)
  }
}
