import type { Clock } from '../../clock.js'
import { NameTakenError, ProjectGoneError } from '../errors.js'
import { keystoreRecords, type KeystoreCopyRow, type KeystoreRecord, type KeystoreRow, type NewKeystore } from '../keystores.js'
import type { Keystores } from '../repositories.js'
import { isPgForeignKeyViolation, isPgUniqueViolation, rows, type Queryable } from './database.js'
import { PgPerEnvironment } from './per-environment.js'

/** Keystores and their per-environment copies on PostgreSQL; each copy arrives sealed. */
export class PgKeystores extends PgPerEnvironment<KeystoreRow, KeystoreCopyRow, KeystoreRecord> implements Keystores {
  constructor (db: Queryable, clock: Clock, inTransaction: boolean) {
    super(db, clock, inTransaction, {
      table: 'keystores',
      copiesSql: `SELECT k.keystore_id, k.environment_id, e.name AS environment_name, k.type, k.aliases, k.sealed_content
        FROM keystore_environments k JOIN environments e ON e.id = k.environment_id
        WHERE k.keystore_id = ANY($1) ORDER BY e.name`,
      records: keystoreRecords
    })
  }

  async insert (keystore: NewKeystore): Promise<KeystoreRecord> {
    const now = this.clock().toISOString()
    try {
      await this.db.query('INSERT INTO keystores (id, project_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [keystore.id, keystore.projectId, keystore.name, keystore.description, now, now])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('keystore', keystore.name)
      if (isPgForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    await this.#insertCopies(keystore)
    return (await this.findByName(keystore.projectId, keystore.name))!
  }

  async replace (keystore: NewKeystore): Promise<KeystoreRecord> {
    try {
      await this.db.query('UPDATE keystores SET name = $1, description = $2, updated_at = $3 WHERE id = $4',
        [keystore.name, keystore.description, this.clock().toISOString(), keystore.id])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('keystore', keystore.name)
      throw err
    }
    await this.db.query('DELETE FROM keystore_environments WHERE keystore_id = $1', [keystore.id])
    await this.#insertCopies(keystore)
    return (await this.findByName(keystore.projectId, keystore.name))!
  }

  async #insertCopies (keystore: NewKeystore): Promise<void> {
    for (const copy of keystore.copies) {
      await this.db.query('INSERT INTO keystore_environments (keystore_id, environment_id, type, aliases, sealed_content) VALUES ($1, $2, $3, $4, $5)',
        [keystore.id, copy.environmentId, copy.type, JSON.stringify(copy.aliases), copy.sealedContent])
    }
  }

  async sealedContents (): Promise<Array<{ keystoreId: string, environmentId: string, sealedContent: string }>> {
    return (await rows<KeystoreCopyRow>(this.db, 'SELECT keystore_id, environment_id, sealed_content FROM keystore_environments'))
      .map(row => ({ keystoreId: row.keystore_id, environmentId: row.environment_id, sealedContent: row.sealed_content }))
  }

  async reseal (keystoreId: string, environmentId: string, sealedContent: string): Promise<void> {
    await this.db.query('UPDATE keystore_environments SET sealed_content = $1 WHERE keystore_id = $2 AND environment_id = $3', [sealedContent, keystoreId, environmentId])
  }
}
