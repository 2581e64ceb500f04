import type { Db } from './database.js'

export interface AuditEntry {
  actor: string
  action: string
  project?: string
  jwkName?: string
  kid?: string | null
  outcome: string
  requestId?: string
}

/** Append-only (triggers refuse UPDATE and DELETE): who did what to which key, never key material. */
export class AuditLog {
  readonly #db: Db

  constructor (db: Db) {
    this.#db = db
  }

  append (entry: AuditEntry): void {
    this.#db.prepare('INSERT INTO audit_log (at, actor, action, project, jwk_name, kid, outcome, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), entry.actor, entry.action, entry.project ?? null, entry.jwkName ?? null, entry.kid ?? null, entry.outcome, entry.requestId ?? null)
  }
}
