import type { Clock } from '../../clock.js'
import { toAuditRecord, type AuditEntry, type AuditRecord, type AuditRow } from '../audit.js'
import type { Audit } from '../repositories.js'
import { rows, type Queryable } from './database.js'

/** The audit trail on PostgreSQL; a trigger refuses UPDATE and DELETE. */
export class PgAudit implements Audit {
  readonly #db: Queryable
  readonly #clock: Clock

  constructor (db: Queryable, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async append (entry: AuditEntry): Promise<void> {
    await this.#db.query('INSERT INTO audit_log (at, actor, action, project, jwk_name, kid, outcome, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [this.#clock().toISOString(), entry.actor, entry.action, entry.project ?? null, entry.jwkName ?? null, entry.kid ?? null, entry.outcome, entry.requestId ?? null])
  }

  async list (filter: { project?: string, since?: Date, limit: number }): Promise<AuditRecord[]> {
    return (await rows<AuditRow>(this.#db, `SELECT * FROM audit_log
      WHERE ($1::text IS NULL OR project = $1) AND ($2::text IS NULL OR at >= $2)
      ORDER BY id LIMIT $3`, [filter.project ?? null, filter.since?.toISOString() ?? null, filter.limit])).map(toAuditRecord)
  }
}
