import { randomUUID } from 'node:crypto'
import type { Clock } from '../../clock.js'
import { AliasTakenError, certificateRecords, type CertificateCopyRow, type CertificateRecord, type CertificateRow, type NewCertificate } from '../certificates.js'
import { NameTakenError, ProjectGoneError } from '../errors.js'
import type { Certificates } from '../repositories.js'
import { isPgForeignKeyViolation, isPgUniqueViolation, type Queryable } from './database.js'
import { PgPerEnvironment } from './per-environment.js'

/** Certificates and their per-environment copies on PostgreSQL (public material: nothing sealed). */
export class PgCertificates extends PgPerEnvironment<CertificateRow, CertificateCopyRow, CertificateRecord> implements Certificates {
  constructor (db: Queryable, clock: Clock, inTransaction: boolean) {
    super(db, clock, inTransaction, {
      table: 'certificates',
      copiesSql: `SELECT c.certificate_id, c.environment_id, e.name AS environment_name, c.alias, c.der
        FROM certificate_environments c JOIN environments e ON e.id = c.environment_id
        WHERE c.certificate_id = ANY($1) ORDER BY e.name`,
      records: certificateRecords
    })
  }

  async insert (certificate: NewCertificate): Promise<CertificateRecord> {
    const now = this.clock().toISOString()
    const id = randomUUID()
    try {
      await this.db.query('INSERT INTO certificates (id, project_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, certificate.projectId, certificate.name, certificate.description, now, now])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('certificate', certificate.name)
      if (isPgForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    await this.#insertCopies(id, certificate)
    return (await this.findByName(certificate.projectId, certificate.name))!
  }

  async replace (id: string, certificate: NewCertificate): Promise<CertificateRecord> {
    await this.db.query('UPDATE certificates SET description = $1, updated_at = $2 WHERE id = $3', [certificate.description, this.clock().toISOString(), id])
    await this.db.query('DELETE FROM certificate_environments WHERE certificate_id = $1', [id])
    await this.#insertCopies(id, certificate)
    return (await this.findByName(certificate.projectId, certificate.name))!
  }

  async #insertCopies (id: string, certificate: NewCertificate): Promise<void> {
    for (const copy of certificate.copies) {
      try {
        await this.db.query('INSERT INTO certificate_environments (certificate_id, environment_id, project_id, alias, der) VALUES ($1, $2, $3, $4, $5)',
          [id, copy.environmentId, certificate.projectId, copy.alias, copy.der])
      } catch (err) {
        if (isPgUniqueViolation(err, 'certificate_alias')) throw new AliasTakenError(copy.alias)
        throw err
      }
    }
  }
}
