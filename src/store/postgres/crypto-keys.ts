import type { Clock } from '../../clock.js'
import { keyRecords, type KeyCopyRow, type KeyRecord, type KeyRow, type NewKey } from '../crypto-keys.js'
import { NameTakenError, ProjectGoneError } from '../errors.js'
import type { Keys } from '../repositories.js'
import { isPgForeignKeyViolation, isPgUniqueViolation, rows, type Queryable } from './database.js'
import { PgPerEnvironment } from './per-environment.js'

/** Keys and their per-environment copies on PostgreSQL; private parts arrive sealed. */
export class PgKeys extends PgPerEnvironment<KeyRow, KeyCopyRow, KeyRecord> implements Keys {
  constructor (db: Queryable, clock: Clock, inTransaction: boolean) {
    super(db, clock, inTransaction, {
      table: 'crypto_keys',
      copiesSql: `SELECT k.key_id, k.environment_id, e.name AS environment_name, k.spki, k.sealed_private
        FROM crypto_key_environments k JOIN environments e ON e.id = k.environment_id
        WHERE k.key_id = ANY($1) ORDER BY e.name`,
      records: keyRecords
    })
  }

  async insert (key: NewKey): Promise<KeyRecord> {
    const now = this.clock().toISOString()
    try {
      await this.db.query('INSERT INTO crypto_keys (id, project_id, name, description, key_type, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [key.id, key.projectId, key.name, key.description, key.keyType, now, now])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('key', key.name)
      if (isPgForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    await this.#insertCopies(key)
    return (await this.findByName(key.projectId, key.name))!
  }

  async replace (key: NewKey): Promise<KeyRecord> {
    try {
      await this.db.query('UPDATE crypto_keys SET name = $1, description = $2, key_type = $3, updated_at = $4 WHERE id = $5',
        [key.name, key.description, key.keyType, this.clock().toISOString(), key.id])
    } catch (err) {
      if (isPgUniqueViolation(err)) throw new NameTakenError('key', key.name)
      throw err
    }
    await this.db.query('DELETE FROM crypto_key_environments WHERE key_id = $1', [key.id])
    await this.#insertCopies(key)
    return (await this.findByName(key.projectId, key.name))!
  }

  async #insertCopies (key: NewKey): Promise<void> {
    for (const copy of key.copies) {
      await this.db.query('INSERT INTO crypto_key_environments (key_id, environment_id, spki, sealed_private) VALUES ($1, $2, $3, $4)',
        [key.id, copy.environmentId, copy.spki, copy.sealedPrivate])
    }
  }

  async sealedPrivates (): Promise<Array<{ keyId: string, environmentId: string, sealedPrivate: string }>> {
    return (await rows<KeyCopyRow>(this.db, 'SELECT key_id, environment_id, sealed_private FROM crypto_key_environments WHERE sealed_private IS NOT NULL'))
      .map(row => ({ keyId: row.key_id, environmentId: row.environment_id, sealedPrivate: row.sealed_private! }))
  }

  async reseal (keyId: string, environmentId: string, sealedPrivate: string): Promise<void> {
    await this.db.query('UPDATE crypto_key_environments SET sealed_private = $1 WHERE key_id = $2 AND environment_id = $3', [sealedPrivate, keyId, environmentId])
  }
}
