import type { Clock } from '../../clock.js'
import { orderJwk } from '../../crypto/jwk.js'
import { KidTakenError, NameTakenError, ProjectGoneError } from '../errors.js'
import { LIFECYCLE_COLUMNS, firstFreeSuffix, lifecycleValues, renamedJwk, toDueKey, toJwkRecord, withSuffix, type DueKey, type DueRow, type JwkRecord, type JwkRow, type KidAssignment, type ListPage, type NewJwk } from '../jwks.js'
import type { Jwks } from '../repositories.js'
import { changes, count, isPgForeignKeyViolation, isPgUniqueViolation, rows, type Queryable } from './database.js'

/**
 * Every key with its project's name. `locked`: share-locked until the
 * transaction ends, so none is changed or deleted while what is read from
 * it is written elsewhere (the reconcile's snapshots).
 */
export async function listAllJwks (db: Queryable, locked = false): Promise<Array<JwkRecord & { projectName: string }>> {
  return (await rows<JwkRow & { project_name: string }>(db,
    `SELECT jwks.*, projects.name AS project_name FROM jwks JOIN projects ON projects.id = jwks.project_id${locked ? ' FOR SHARE OF jwks' : ''}`))
    .map(row => ({ ...toJwkRecord(row), projectName: row.project_name }))
}

/**
 * The last suffix this instance handed out per project and base. A
 * thousand keys a second share one TIMESTAMP base; an insert of a kid that
 * another open transaction inserted waits for that transaction to end, so
 * requests of one instance must not pick the same suffix: each takes the
 * next after the last handed out. Only a delete can free a lower one, and it forgets.
 */
export class KidReservations {
  readonly #last = new Map<string, number>()

  next (projectId: string, base: string, firstFree: number): number {
    const key = `${projectId}\u0000${base}`
    const suffix = Math.max(firstFree, (this.#last.get(key) ?? 0) + 1)
    if (this.#last.size > 4096) this.#last.clear()
    this.#last.set(key, suffix)
    return suffix
  }

  forget (): void {
    this.#last.clear()
  }
}

/** How often an insert tries the next free kid suffix when other instances keep taking the one it found. */
const KID_ATTEMPTS = 100

/**
 * JWKs on PostgreSQL. Name and kid are unique by constraint, whichever
 * instance inserts; inside a transaction the rows a change reads by name are
 * locked (FOR UPDATE), so a racing change waits and then finds them gone.
 */
export class PgJwks implements Jwks {
  readonly #db: Queryable
  readonly #clock: Clock
  readonly #inTransaction: boolean
  readonly #reservations: KidReservations

  constructor (db: Queryable, clock: Clock, inTransaction: boolean, reservations: KidReservations) {
    this.#db = db
    this.#clock = clock
    this.#inTransaction = inTransaction
    this.#reservations = reservations
  }

  async nameHolder (projectId: string, name: string): Promise<boolean> {
    return (await rows(this.#db, 'SELECT 1 FROM jwks WHERE project_id = $1 AND name = $2', [projectId, name])).length > 0
  }

  async kidHolder (projectId: string, kid: string): Promise<string | undefined> {
    return (await rows<{ name: string }>(this.#db, `SELECT name FROM jwks WHERE project_id = $1 AND kid = $2
      UNION ALL SELECT jwks.name FROM jwk_versions JOIN jwks ON jwks.id = jwk_versions.jwk_id WHERE jwk_versions.project_id = $1 AND jwk_versions.kid = $2
      LIMIT 1`, [projectId, kid]))[0]?.name
  }

  async #firstFreeKid (projectId: string, base: string): Promise<string> {
    // `base-…` as a range ('.' follows '-'), which the (project_id, kid) index answers.
    // Kids other versions hold (retired, pending, destroyed) are as taken as the keys' own.
    const taken = new Set((await rows<{ kid: string }>(this.#db, `SELECT kid FROM jwks WHERE project_id = $1 AND (kid = $2 OR (kid >= $3 AND kid < $4))
      UNION SELECT kid FROM jwk_versions WHERE project_id = $1 AND (kid = $2 OR (kid >= $3 AND kid < $4))`,
    [projectId, base, base + '-', base + '.'])).map(row => row.kid))
    let reserved = this.#reservations.next(projectId, base, firstFreeSuffix(taken, base))
    while (taken.has(withSuffix(base, reserved))) reserved = this.#reservations.next(projectId, base, firstFreeSuffix(taken, base, reserved))
    return withSuffix(base, reserved)
  }

  async #settleKid (projectId: string, assignment: KidAssignment): Promise<string | null> {
    switch (assignment.kind) {
      case 'none': return null
      case 'first-free': return await this.#firstFreeKid(projectId, assignment.base)
      case 'exact': {
        const holder = await this.kidHolder(projectId, assignment.kid)
        if (holder !== undefined) throw new KidTakenError(assignment.kid, holder)
        return assignment.kid
      }
    }
  }

  /**
   * The kid is settled first, then the row goes in under a savepoint: when
   * another instance committed that kid in between, the unique index refuses
   * it and the next free suffix is tried, so suffixes stay unique across instances.
   */
  async insert (jwk: NewJwk, kidAssignment: KidAssignment): Promise<JwkRecord> {
    for (let attempt = 1; ; attempt++) {
      const kid = await this.#settleKid(jwk.projectId, kidAssignment)
      const publicJwk = orderJwk(kid === null ? jwk.publicJwk : { ...jwk.publicJwk, kid })
      const record: JwkRecord = { ...jwk, kid, publicJwk, updatedAt: jwk.createdAt, revision: 1, rotation: null, publication: null, nextEventAt: null }
      if (this.#inTransaction) await this.#db.query('SAVEPOINT jwk_insert')
      try {
        await this.#db.query(`INSERT INTO jwks (id, project_id, name, description, source_type, source_id, source_url, type, kid,
            key_use, algorithm, parameters, public_jwk, sealed_private, thumbprint, not_before, expires_at, created_at, updated_at, revision)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`, [
          record.id, record.projectId, record.name, record.description, record.sourceType, record.sourceId, record.sourceUrl,
          record.type, record.kid, record.keyUse, record.algorithm, JSON.stringify(record.parameters), JSON.stringify(record.publicJwk),
          record.sealedPrivate, record.thumbprint, record.notBefore, record.expiresAt, record.createdAt, record.updatedAt, record.revision])
        if (this.#inTransaction) await this.#db.query('RELEASE SAVEPOINT jwk_insert')
        return record
      } catch (err) {
        if (this.#inTransaction) await this.#db.query('ROLLBACK TO SAVEPOINT jwk_insert')
        if (isPgForeignKeyViolation(err)) throw new ProjectGoneError()
        if (isPgUniqueViolation(err, 'jwks_project_kid')) {
          if (kidAssignment.kind === 'first-free' && this.#inTransaction && attempt < KID_ATTEMPTS) continue
          // The index waited for the holder's commit, so its name can be read now.
          const taken = kid ?? ''
          throw new KidTakenError(taken, await this.kidHolder(jwk.projectId, taken) ?? 'another key')
        }
        if (isPgUniqueViolation(err)) throw new NameTakenError('JWK', jwk.name)
        throw err
      }
    }
  }

  async update (record: JwkRecord, changes: { name?: string, description?: string }): Promise<JwkRecord> {
    const updated = renamedJwk(record, changes, this.#clock())
    try {
      await this.#db.query('UPDATE jwks SET name = $1, description = $2, source_id = NULL, source_url = NULL, updated_at = $3, revision = $4 WHERE id = $5',
        [updated.name, updated.description, updated.updatedAt, updated.revision, record.id])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('JWK', updated.name)
      throw err
    }
    return updated
  }

  async saveLifecycle (record: JwkRecord): Promise<void> {
    try {
      await this.#db.query(`UPDATE jwks SET ${LIFECYCLE_COLUMNS.map((column, index) => `${column} = $${index + 1}`).join(', ')} WHERE id = $${LIFECYCLE_COLUMNS.length + 1}`,
        [...lifecycleValues(record), record.id])
    } catch (err) {
      if (isPgUniqueViolation(err, 'jwks_project_kid')) throw new KidTakenError(record.kid ?? '', 'another key')
      throw err
    }
  }

  async due (now: Date, limit: number): Promise<DueKey[]> {
    return (await rows<DueRow>(this.#db, `SELECT jwks.project_id, projects.name AS project_name, jwks.name FROM jwks JOIN projects ON projects.id = jwks.project_id
      WHERE next_event_at <= $1 ORDER BY next_event_at LIMIT $2`, [now.toISOString(), limit])).map(toDueKey)
  }

  async delete (id: string): Promise<boolean> {
    this.#reservations.forget()
    return await changes(this.#db, 'DELETE FROM jwks WHERE id = $1', [id]) > 0
  }

  async findByName (projectId: string, name: string): Promise<JwkRecord | undefined> {
    const [row] = await rows<JwkRow>(this.#db, `SELECT * FROM jwks WHERE project_id = $1 AND name = $2${this.#inTransaction ? ' FOR UPDATE' : ''}`, [projectId, name])
    return row === undefined ? undefined : toJwkRecord(row)
  }

  async listByProject (projectId: string, page: ListPage = {}): Promise<JwkRecord[]> {
    return (await rows<JwkRow>(this.#db, 'SELECT *, NULL AS sealed_private FROM jwks WHERE project_id = $1 AND name > $2 ORDER BY name LIMIT $3',
      [projectId, page.after ?? '', page.limit ?? null])).map(toJwkRecord)
  }

  async listAll (): Promise<Array<JwkRecord & { projectName: string }>> {
    return await listAllJwks(this.#db)
  }

  async countByProject (projectId: string): Promise<number> {
    return await count(this.#db, 'SELECT count(*) FROM jwks WHERE project_id = $1', [projectId])
  }

  async detachFromSource (sourceId: string): Promise<number> {
    return await changes(this.#db, 'UPDATE jwks SET source_id = NULL WHERE source_id = $1', [sourceId])
  }

  async sealedPrivates (): Promise<Array<{ id: string, sealedPrivate: string }>> {
    return (await rows<{ id: string, sealed_private: string }>(this.#db, 'SELECT id, sealed_private FROM jwks WHERE sealed_private IS NOT NULL'))
      .map(row => ({ id: row.id, sealedPrivate: row.sealed_private }))
  }

  async reseal (id: string, sealedPrivate: string): Promise<void> {
    await this.#db.query('UPDATE jwks SET sealed_private = $1, revision = revision + 1 WHERE id = $2', [sealedPrivate, id])
  }
}
