import type { Clock } from '../clock.js'
import type { Jwk, KeyType, KeyUse } from '../crypto/jwk.js'
import type Database from 'better-sqlite3'
import { orderJwk } from '../crypto/jwk.js'
import { statement, type Db } from './database.js'
import type { Jwks } from './repositories.js'
import type { Publication, RotationPolicy } from './jwk-versions.js'
import { KidTakenError, NameTakenError, ProjectGoneError, isForeignKeyViolation, isUniqueViolation } from './errors.js'

export type SourceType = 'GENERATE' | 'COPY_PASTE' | 'URL' | 'CERTIFICATE' | 'PUBLIC_KEY' | 'PRIVATE_KEY' | 'KEYSTORE'

export interface JwkRecord {
  id: string
  projectId: string
  name: string
  description: string
  sourceType: SourceType
  sourceId: string | null
  sourceUrl: string | null
  type: KeyType
  kid: string | null
  keyUse: KeyUse
  algorithm: string | null
  parameters: Record<string, string | number>
  /** every member but the private ones, kid included */
  publicJwk: Jwk
  sealedPrivate: string | null
  thumbprint: string
  notBefore: string
  expiresAt: string
  createdAt: string
  updatedAt: string
  revision: number
  /** how it rotates on its own, if it does */
  rotation: RotationPolicy | null
  /** its other versions in the public JWK Set; null for a key that never had any */
  publication: Publication | null
  /** when the rotation scheduler next has something to do with it */
  nextEventAt: string | null
}

/** How the new key's kid is settled inside the insert transaction. */
export type KidAssignment =
  | { kind: 'none' }
  | { kind: 'exact', kid: string }
  /** TIMESTAMP / ISO_DATE kids: `base`, else the first free `base-2`, `base-3`, … */
  | { kind: 'first-free', base: string }

export type NewJwk = Omit<JwkRecord, 'kid' | 'revision' | 'updatedAt' | 'rotation' | 'publication' | 'nextEventAt'>

/** What a rotation or a version's state change rewrites of the key's row. */
export type LifecycleFields = Pick<JwkRecord, 'kid' | 'publicJwk' | 'sealedPrivate' | 'thumbprint' | 'notBefore' | 'expiresAt' | 'rotation' | 'publication' | 'nextEventAt'>

/** A page of a list: names after `after`, at most `limit` of them; neither: everything. */
export interface ListPage {
  after?: string
  limit?: number
}

export interface JwkRow {
  id: string,
  project_id: string,
  name: string,
  description: string,
  source_type: string,
  source_id: string | null,
  source_url: string | null,
  type: string,
  kid: string | null,
  key_use: string,
  algorithm: string | null,
  parameters: string,
  public_jwk: string,
  sealed_private: string | null,
  thumbprint: string,
  not_before: string,
  expires_at: string,
  created_at: string,
  updated_at: string,
  revision: number,
  rotation: string | null,
  publication: string | null,
  next_event_at: string | null
}

export const toJwkRecord = (row: JwkRow): JwkRecord => ({
  id: row.id,
  projectId: row.project_id,
  name: row.name,
  description: row.description,
  sourceType: row.source_type as SourceType,
  sourceId: row.source_id,
  sourceUrl: row.source_url,
  type: row.type as KeyType,
  kid: row.kid,
  keyUse: row.key_use as KeyUse,
  algorithm: row.algorithm,
  parameters: JSON.parse(row.parameters) as Record<string, string | number>,
  publicJwk: JSON.parse(row.public_jwk) as Jwk,
  sealedPrivate: row.sealed_private,
  thumbprint: row.thumbprint,
  notBefore: row.not_before,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  revision: row.revision,
  rotation: row.rotation === null ? null : JSON.parse(row.rotation) as RotationPolicy,
  publication: row.publication === null ? null : JSON.parse(row.publication) as Publication,
  nextEventAt: row.next_event_at
})

/** The key after a lifecycle change: the revision moves on, so deployed snapshots are known to be outdated. */
export const withLifecycle = (record: JwkRecord, fields: LifecycleFields, now: Date): JwkRecord =>
  ({ ...record, ...fields, updatedAt: now.toISOString(), revision: record.revision + 1 })

/** The lifecycle columns as bound values, in LIFECYCLE_COLUMNS' order. */
export const lifecycleValues = (record: JwkRecord): unknown[] => [
  record.kid, JSON.stringify(record.publicJwk), record.sealedPrivate, record.thumbprint, record.notBefore, record.expiresAt,
  record.rotation === null ? null : JSON.stringify(record.rotation), record.publication === null ? null : JSON.stringify(record.publication),
  record.nextEventAt, record.updatedAt, record.revision
]
export const LIFECYCLE_COLUMNS = ['kid', 'public_jwk', 'sealed_private', 'thumbprint', 'not_before', 'expires_at', 'rotation', 'publication', 'next_event_at', 'updated_at', 'revision'] as const

/** A rename or redescription: material, id and kid stay; the link to a source goes; the revision moves on. */
export const renamedJwk = (record: JwkRecord, changes: { name?: string, description?: string }, now: Date): JwkRecord => ({
  ...record,
  name: changes.name ?? record.name,
  description: changes.description ?? record.description,
  sourceId: null,
  sourceUrl: null,
  updatedAt: now.toISOString(),
  revision: record.revision + 1
})

/** A key the rotation scheduler has something to do with. */
export interface DueKey {
  project: { id: string, name: string }
  name: string
}

export interface DueRow { project_id: string, project_name: string, name: string }

export const toDueKey = (row: DueRow): DueKey => ({ project: { id: row.project_id, name: row.project_name }, name: row.name })

export const withSuffix = (base: string, suffix: number): string => suffix === 1 ? base : `${base}-${suffix}`

/** The first suffix from `from` on whose kid is not among `taken`. */
export function firstFreeSuffix (taken: ReadonlySet<string>, base: string, from = 1): number {
  let suffix = from
  while (taken.has(withSuffix(base, suffix))) suffix++
  return suffix
}

export class JwkRepository implements Jwks {
  readonly #db: Db
  readonly #insertAlone: Database.Transaction<(jwk: NewJwk, kidAssignment: KidAssignment) => JwkRecord>
  readonly #lastSuffix = new Map<string, number>()
  readonly #clock: Clock

  constructor (db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
    this.#insertAlone = db.transaction((jwk: NewJwk, kidAssignment: KidAssignment) => this.#insertRow(jwk, kidAssignment))
  }

  async nameHolder (projectId: string, name: string): Promise<boolean> {
    return statement(this.#db, 'SELECT 1 FROM jwks WHERE project_id = ? AND name = ?').get(projectId, name) !== undefined
  }

  /** The name of the key in the project holding this kid, if any. */
  async kidHolder (projectId: string, kid: string): Promise<string | undefined> {
    return this.#kidHolder(projectId, kid)
  }

  #kidHolder (projectId: string, kid: string): string | undefined {
    return (statement(this.#db, `SELECT name FROM jwks WHERE project_id = ? AND kid = ?
      UNION ALL SELECT jwks.name FROM jwk_versions JOIN jwks ON jwks.id = jwk_versions.jwk_id WHERE jwk_versions.project_id = ? AND jwk_versions.kid = ?
      LIMIT 1`).get(projectId, kid, projectId, kid) as { name: string } | undefined)?.name
  }

  #scanFirstFreeSuffix (projectId: string, base: string): number {
    // `base-…` as a range ('.' follows '-'), so the (project_id, kid) index answers it.
    // Kids other versions hold (retired, pending, destroyed) are as taken as the keys' own.
    const range = [projectId, base, base + '-', base + '.']
    const taken = new Set((statement(this.#db, `SELECT kid FROM jwks WHERE project_id = ? AND (kid = ? OR (kid >= ? AND kid < ?))
      UNION SELECT kid FROM jwk_versions WHERE project_id = ? AND (kid = ? OR (kid >= ? AND kid < ?))`)
      .pluck().all(...range, ...range) as string[]))
    return firstFreeSuffix(taken, base)
  }

  /**
   * The first free of `base`, `base-2`, `base-3`, … At a thousand keys a
   * second all share one TIMESTAMP base, so rescanning every time would be
   * quadratic: the last suffix handed out is remembered and probed upward
   * (point lookups). Only a delete can free a lower suffix, and it forgets.
   */
  #firstFreeKid (projectId: string, base: string): string {
    const key = `${projectId}\u0000${base}`
    let suffix = this.#lastSuffix.get(key) ?? this.#scanFirstFreeSuffix(projectId, base)
    while (this.#kidHolder(projectId, withSuffix(base, suffix)) !== undefined) suffix++
    if (this.#lastSuffix.size > 4096) this.#lastSuffix.clear()
    this.#lastSuffix.set(key, suffix)
    return withSuffix(base, suffix)
  }

  #settleKid (projectId: string, assignment: KidAssignment): string | null {
    switch (assignment.kind) {
      case 'none': return null
      case 'first-free': return this.#firstFreeKid(projectId, assignment.base)
      case 'exact': {
        const holder = this.#kidHolder(projectId, assignment.kid)
        if (holder !== undefined) throw new KidTakenError(assignment.kid, holder)
        return assignment.kid
      }
    }
  }

  /**
   * Inserts a key, settling its kid under the same write lock, so two
   * concurrent requests can never end up with one name or one kid. Inside a
   * transaction (a group commit's savepoint) it runs as part of it; alone it
   * opens an IMMEDIATE one. The name is guarded by the unique index itself:
   * checking first would cost a query per key for a clash that is rare.
   */
  async insert (jwk: NewJwk, kidAssignment: KidAssignment): Promise<JwkRecord> {
    try {
      return this.#db.inTransaction ? this.#insertRow(jwk, kidAssignment) : this.#insertAlone.immediate(jwk, kidAssignment)
    } catch (err) {
      if (isForeignKeyViolation(err)) throw new ProjectGoneError()
      if (!isUniqueViolation(err)) throw err
      // A kid settled above is free under this lock, so only a name can clash
      // here, unless another process wrote between the check and the insert.
      throw String((err as Error).message).includes('.kid')
        ? new KidTakenError(kidAssignment.kind === 'exact' ? kidAssignment.kid : '', 'another key')
        : new NameTakenError('JWK', jwk.name)
    }
  }

  #insertRow (jwk: NewJwk, kidAssignment: KidAssignment): JwkRecord {
    const kid = this.#settleKid(jwk.projectId, kidAssignment)
    const publicJwk = orderJwk(kid === null ? jwk.publicJwk : { ...jwk.publicJwk, kid })
    const record: JwkRecord = { ...jwk, kid, publicJwk, updatedAt: jwk.createdAt, revision: 1, rotation: null, publication: null, nextEventAt: null }
    statement(this.#db, `INSERT INTO jwks (id, project_id, name, description, source_type, source_id, source_url, type, kid,
        key_use, algorithm, parameters, public_jwk, sealed_private, thumbprint, not_before, expires_at, created_at, updated_at, revision)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      record.id, record.projectId, record.name, record.description, record.sourceType, record.sourceId, record.sourceUrl,
      record.type, record.kid, record.keyUse, record.algorithm, JSON.stringify(record.parameters), JSON.stringify(record.publicJwk),
      record.sealedPrivate, record.thumbprint, record.notBefore, record.expiresAt, record.createdAt, record.updatedAt, record.revision)
    return record
  }

  /**
   * Renames and/or redescribes a key. Its material, id and kid stay; it no
   * longer points at the source it came from (sourceId, sourceUrl); the
   * revision moves on, so deployed snapshots are known to be outdated.
   */
  async update (record: JwkRecord, changes: { name?: string, description?: string }): Promise<JwkRecord> {
    const updated = renamedJwk(record, changes, this.#clock())
    try {
      statement(this.#db, 'UPDATE jwks SET name = ?, description = ?, source_id = NULL, source_url = NULL, updated_at = ?, revision = ? WHERE id = ?')
        .run(updated.name, updated.description, updated.updatedAt, updated.revision, record.id)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('JWK', updated.name)
      throw err
    }
    return updated
  }

  async saveLifecycle (record: JwkRecord): Promise<void> {
    try {
      statement(this.#db, `UPDATE jwks SET ${LIFECYCLE_COLUMNS.map(column => `${column} = ?`).join(', ')} WHERE id = ?`).run(...lifecycleValues(record), record.id)
    } catch (err) {
      if (isUniqueViolation(err)) throw new KidTakenError(record.kid ?? '', 'another key')
      throw err
    }
  }

  /** Keys the rotation scheduler has something to do with by `now`, soonest first. */
  async due (now: Date, limit: number): Promise<DueKey[]> {
    return (statement(this.#db, `SELECT jwks.project_id, projects.name AS project_name, jwks.name FROM jwks JOIN projects ON projects.id = jwks.project_id
      WHERE next_event_at <= ? ORDER BY next_event_at LIMIT ?`).all(now.toISOString(), limit) as DueRow[]).map(toDueKey)
  }

  /** @returns whether the key existed */
  async delete (id: string): Promise<boolean> {
    this.#lastSuffix.clear()
    return statement(this.#db, 'DELETE FROM jwks WHERE id = ?').run(id).changes > 0
  }

  async findByName (projectId: string, name: string): Promise<JwkRecord | undefined> {
    const row = statement(this.#db, 'SELECT * FROM jwks WHERE project_id = ? AND name = ?').get(projectId, name) as JwkRow | undefined
    return row === undefined ? undefined : toJwkRecord(row)
  }

  /**
   * A project's keys by name, without their sealed private members: all of
   * them, or a page of those named after `after`. Keyset, not offset: the
   * (project_id, name) index starts each page where the last ended, so page
   * 100 costs what page 1 does.
   */
  async listByProject (projectId: string, page: ListPage = {}): Promise<JwkRecord[]> {
    // Names are never empty, so '' is "from the start"; LIMIT -1 is "no limit".
    return (statement(this.#db, 'SELECT *, NULL AS sealed_private FROM jwks WHERE project_id = ? AND name > ? ORDER BY name LIMIT ?')
      .all(projectId, page.after ?? '', page.limit ?? -1) as JwkRow[]).map(toJwkRecord)
  }

  /** Every sealed private part, for a master-key rotation to re-seal. */
  async sealedPrivates (): Promise<Array<{ id: string, sealedPrivate: string }>> {
    return (statement(this.#db, 'SELECT id, sealed_private FROM jwks WHERE sealed_private IS NOT NULL').all() as Array<{ id: string, sealed_private: string }>)
      .map(row => ({ id: row.id, sealedPrivate: row.sealed_private }))
  }

  /** Stores a re-sealed private part; the revision moves, so deployed snapshots are known to be outdated. */
  async reseal (id: string, sealedPrivate: string): Promise<void> {
    statement(this.#db, 'UPDATE jwks SET sealed_private = ?, revision = revision + 1 WHERE id = ?').run(sealedPrivate, id)
  }

  /** Keys made from a source that is being deleted keep their material and lose the link (docs/API.md, "Certificates"). */
  async detachFromSource (sourceId: string): Promise<number> {
    return statement(this.#db, 'UPDATE jwks SET source_id = NULL WHERE source_id = ?').run(sourceId).changes
  }

  async countByProject (projectId: string): Promise<number> {
    return statement(this.#db, 'SELECT count(*) FROM jwks WHERE project_id = ?').pluck().get(projectId) as number
  }

  /** Every key with its project's name, for deploying to a new environment and for reconciling. */
  async listAll (): Promise<Array<JwkRecord & { projectName: string }>> {
    return (statement(this.#db, 'SELECT jwks.*, projects.name AS project_name FROM jwks JOIN projects ON projects.id = jwks.project_id').all() as Array<JwkRow & { project_name: string }>)
      .map(row => ({ ...toJwkRecord(row), projectName: row.project_name }))
  }
}
