import type { Clock } from '../clock.js'
import { statement, type Db } from './database.js'
import type { Audit } from './repositories.js'

export interface AuditEntry {
  actor: string
  action: string
  project?: string
  jwkName?: string
  kid?: string | null
  outcome: string
  requestId?: string
}

export interface AuditRecord {
  at: string
  actor: string
  action: string
  project: string | null
  jwkName: string | null
  kid: string | null
  outcome: string
  requestId: string | null
}

export interface AuditRow {
  at: string,
  actor: string,
  action: string,
  project: string | null,
  jwk_name: string | null,
  kid: string | null,
  outcome: string,
  request_id: string | null
}

export const toAuditRecord = (row: AuditRow): AuditRecord => ({
  at: row.at,
  actor: row.actor,
  action: row.action,
  project: row.project,
  jwkName: row.jwk_name,
  kid: row.kid,
  outcome: row.outcome,
  requestId: row.request_id
})

/** Append-only (triggers refuse UPDATE and DELETE): who did what to which key, never key material. */
export class AuditLog implements Audit {
  readonly #db: Db
  readonly #clock: Clock

  constructor (db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  async append (entry: AuditEntry): Promise<void> {
    statement(this.#db, 'INSERT INTO audit_log (at, actor, action, project, jwk_name, kid, outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(this.#clock().toISOString(), entry.actor, entry.action, entry.project ?? null, entry.jwkName ?? null, entry.kid ?? null, entry.outcome, entry.requestId ?? null)
  }

  /** Oldest first, from `since` on, at most `limit` entries. */
  async list (filter: { project?: string, since?: Date, limit: number }): Promise<AuditRecord[]> {
    const rows = statement(this.#db, `SELECT * FROM audit_log
      WHERE (@project IS NULL OR project = @project) AND (@since IS NULL OR at >= @since)
      ORDER BY id LIMIT @limit`).all({
      project: filter.project ?? null,
      since: filter.since?.toISOString() ?? null,
      limit: filter.limit
    }) as AuditRow[]
    return rows.map(toAuditRecord)
  }
}
