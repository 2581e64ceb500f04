import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import { withCopies } from './copies.js'
import { statement, type Db } from './database.js'
import type { Certificates } from './repositories.js'
import { NameTakenError, ProjectGoneError, isForeignKeyViolation, isUniqueViolation } from './errors.js'

/** One environment's copy of a certificate. */
export interface CertificateCopy {
  environmentId: string
  environmentName: string
  alias: string
  der: Buffer
}

export interface CertificateRecord {
  id: string
  projectId: string
  name: string
  description: string
  createdAt: string
  updatedAt: string
  copies: CertificateCopy[]
}

export interface NewCertificate {
  projectId: string
  name: string
  description: string
  copies: Array<Omit<CertificateCopy, 'environmentName'>>
}

/** An alias already given to another certificate in one of the environments. */
export class AliasTakenError extends Error {
  constructor (readonly alias: string) {
    super(`alias ${JSON.stringify(alias)} is taken`)
    this.name = 'AliasTakenError'
  }
}

export interface CertificateRow { id: string, project_id: string, name: string, description: string, created_at: string, updated_at: string }
export interface CertificateCopyRow { certificate_id: string, environment_id: string, environment_name: string, alias: string, der: Buffer }

/** Rows of either database to records: each certificate with its copies (the copy rows of those certificates, by environment name). */
export const certificateRecords = (rows: CertificateRow[], copyRows: CertificateCopyRow[]): CertificateRecord[] => withCopies(rows, copyRows, {
  ownerOf: copy => copy.certificate_id,
  toCopy: (copy): CertificateCopy => ({ environmentId: copy.environment_id, environmentName: copy.environment_name, alias: copy.alias, der: copy.der })
}, (row, copies) => ({ id: row.id, projectId: row.project_id, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at, copies }))

/** Certificates of a project and their per-environment copies (public material: nothing here is sealed). */
export class CertificateRepository implements Certificates {
  readonly #db: Db
  readonly #clock: Clock

  constructor (db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  #records (rows: CertificateRow[]): CertificateRecord[] {
    const copies = rows.length === 0
      ? []
      : statement(this.#db, `SELECT c.certificate_id, c.environment_id, e.name AS environment_name, c.alias, c.der
      FROM certificate_environments c JOIN environments e ON e.id = c.environment_id
      WHERE c.certificate_id IN (SELECT value FROM json_each(?)) ORDER BY e.name`).all(JSON.stringify(rows.map(row => row.id))) as CertificateCopyRow[]
    return certificateRecords(rows, copies)
  }

  async findByName (projectId: string, name: string): Promise<CertificateRecord | undefined> {
    const row = statement(this.#db, 'SELECT * FROM certificates WHERE project_id = ? AND name = ?').get(projectId, name) as CertificateRow | undefined
    return row === undefined ? undefined : this.#records([row])[0]
  }

  async listByProject (projectId: string): Promise<CertificateRecord[]> {
    return this.#records(statement(this.#db, 'SELECT * FROM certificates WHERE project_id = ? ORDER BY name').all(projectId) as CertificateRow[])
  }

  async countByProject (projectId: string): Promise<number> {
    return statement(this.#db, 'SELECT count(*) FROM certificates WHERE project_id = ?').pluck().get(projectId) as number
  }

  /** Inside a write transaction (the group commit's): the row and its copies, or neither. */
  async insert (certificate: NewCertificate): Promise<CertificateRecord> {
    const now = this.#clock().toISOString()
    const id = randomUUID()
    try {
      statement(this.#db, 'INSERT INTO certificates (id, project_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, certificate.projectId, certificate.name, certificate.description, now, now)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('certificate', certificate.name)
      if (isForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    this.#insertCopies(id, certificate)
    return (await this.findByName(certificate.projectId, certificate.name))!
  }

  /** The certificate's description and copies replaced (Apinizer: the old one goes, the new one comes); its name and id stay. */
  async replace (id: string, certificate: NewCertificate): Promise<CertificateRecord> {
    statement(this.#db, 'UPDATE certificates SET description = ?, updated_at = ? WHERE id = ?').run(certificate.description, this.#clock().toISOString(), id)
    statement(this.#db, 'DELETE FROM certificate_environments WHERE certificate_id = ?').run(id)
    this.#insertCopies(id, certificate)
    return (await this.findByName(certificate.projectId, certificate.name))!
  }

  #insertCopies (id: string, certificate: NewCertificate): void {
    const insert = statement(this.#db, 'INSERT INTO certificate_environments (certificate_id, environment_id, project_id, alias, der) VALUES (?, ?, ?, ?, ?)')
    for (const copy of certificate.copies) {
      try {
        insert.run(id, copy.environmentId, certificate.projectId, copy.alias, copy.der)
      } catch (err) {
        if (isUniqueViolation(err)) throw new AliasTakenError(copy.alias)
        throw err
      }
    }
  }

  /** @returns whether it existed; its copies go with it */
  async delete (id: string): Promise<boolean> {
    return statement(this.#db, 'DELETE FROM certificates WHERE id = ?').run(id).changes > 0
  }
}
