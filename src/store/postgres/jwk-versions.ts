import { KidTakenError } from '../errors.js'
import { LIFECYCLE_SUMMARY_SQL, VERSION_COLUMNS, toLifecycleSummary, toVersionRecord, versionValues, type LifecycleSummary, type VersionRecord, type VersionRow } from '../jwk-versions.js'
import type { JwkVersions } from '../repositories.js'
import { isPgUniqueViolation, rows, type Queryable } from './database.js'

const placeholders = VERSION_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')

/** A key's versions on PostgreSQL; the kid index refuses a kid another instance gave out meanwhile. */
export class PgJwkVersions implements JwkVersions {
  readonly #db: Queryable
  readonly #inTransaction: boolean

  constructor (db: Queryable, inTransaction: boolean) {
    this.#db = db
    this.#inTransaction = inTransaction
  }

  async list (jwkId: string): Promise<VersionRecord[]> {
    return (await rows<VersionRow>(this.#db, `SELECT * FROM jwk_versions WHERE jwk_id = $1 ORDER BY version${this.#inTransaction ? ' FOR UPDATE' : ''}`, [jwkId]))
      .map(toVersionRecord)
  }

  async save (record: VersionRecord): Promise<void> {
    // A refused kid must not abort the whole transaction: the caller may say so and go on.
    if (this.#inTransaction) await this.#db.query('SAVEPOINT version_save')
    try {
      await this.#db.query(`INSERT INTO jwk_versions (${VERSION_COLUMNS.join(', ')}) VALUES (${placeholders})
        ON CONFLICT (jwk_id, version) DO UPDATE SET ${VERSION_COLUMNS.slice(3).map(column => `${column} = excluded.${column}`).join(', ')}`,
      versionValues(record))
      if (this.#inTransaction) await this.#db.query('RELEASE SAVEPOINT version_save')
    } catch (err) {
      if (this.#inTransaction) await this.#db.query('ROLLBACK TO SAVEPOINT version_save')
      if (isPgUniqueViolation(err, 'jwk_versions_project_kid')) throw new KidTakenError(record.kid, 'another key')
      throw err
    }
  }

  async sealedPrivates (): Promise<Array<{ jwkId: string, version: number, sealedPrivate: string }>> {
    return (await rows<VersionRow>(this.#db, 'SELECT jwk_id, version, sealed_private FROM jwk_versions WHERE sealed_private IS NOT NULL'))
      .map(row => ({ jwkId: row.jwk_id, version: row.version, sealedPrivate: row.sealed_private! }))
  }

  async summary (): Promise<LifecycleSummary> {
    const [states, unversioned, scheduled, soonest] = await Promise.all([
      rows<{ state: string, n: string }>(this.#db, LIFECYCLE_SUMMARY_SQL.states),
      rows<{ n: string }>(this.#db, LIFECYCLE_SUMMARY_SQL.unversioned),
      rows<{ kid: string, next_event_at: string | null, expires_at: string }>(this.#db, LIFECYCLE_SUMMARY_SQL.scheduled),
      rows<{ soonest: string | null }>(this.#db, LIFECYCLE_SUMMARY_SQL.soonestExpiry)
    ])
    return toLifecycleSummary(states, unversioned[0]!.n, scheduled, soonest[0]!.soonest)
  }

  async reseal (jwkId: string, version: number, sealedPrivate: string): Promise<void> {
    await this.#db.query('UPDATE jwk_versions SET sealed_private = $1 WHERE jwk_id = $2 AND version = $3', [sealedPrivate, jwkId, version])
  }
}
