import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { StoredKeyType } from '../crypto/key-material.js'
import { withCopies } from './copies.js'
import { statement, type Db } from './database.js'
import type { Keys } from './repositories.js'
import { NameTakenError, ProjectGoneError, isForeignKeyViolation, isUniqueViolation } from './errors.js'

/** One environment's copy of a key: the public part in clear, the private part sealed (or none). */
export interface KeyCopy {
  environmentId: string
  environmentName: string
  spki: Buffer
  sealedPrivate: string | null
}

export interface KeyRecord {
  id: string
  projectId: string
  name: string
  description: string
  keyType: StoredKeyType
  createdAt: string
  updatedAt: string
  copies: KeyCopy[]
}

export interface NewKey {
  id: string
  projectId: string
  name: string
  description: string
  keyType: StoredKeyType
  copies: Array<Omit<KeyCopy, 'environmentName'>>
}

export interface KeyRow { id: string, project_id: string, name: string, description: string, key_type: StoredKeyType, created_at: string, updated_at: string }
export interface KeyCopyRow { key_id: string, environment_id: string, environment_name: string, spki: Buffer, sealed_private: string | null }

/** Rows of either database to records: each key with its copies (the copy rows of those keys, by environment name). */
export const keyRecords = (rows: KeyRow[], copyRows: KeyCopyRow[]): KeyRecord[] => withCopies(rows, copyRows, {
  ownerOf: copy => copy.key_id,
  toCopy: (copy): KeyCopy => ({ environmentId: copy.environment_id, environmentName: copy.environment_name, spki: copy.spki, sealedPrivate: copy.sealed_private })
}, (row, copies) => ({ id: row.id, projectId: row.project_id, name: row.name, description: row.description, keyType: row.key_type, createdAt: row.created_at, updatedAt: row.updated_at, copies }))

/** Keys of a project (Apinizer's CryptoKeyInfo) and their per-environment copies. */
export class KeyRepository implements Keys {
  readonly #db: Db
  readonly #clock: Clock

  constructor (db: Db, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** A fresh id: the sealing of the copies binds to it before the row exists. */
  static newId (): string {
    return randomUUID()
  }

  #records (rows: KeyRow[]): KeyRecord[] {
    const copies = rows.length === 0
      ? []
      : statement(this.#db, `SELECT k.key_id, k.environment_id, e.name AS environment_name, k.spki, k.sealed_private
        FROM crypto_key_environments k JOIN environments e ON e.id = k.environment_id
        WHERE k.key_id IN (SELECT value FROM json_each(?)) ORDER BY e.name`).all(JSON.stringify(rows.map(row => row.id))) as KeyCopyRow[]
    return keyRecords(rows, copies)
  }

  async findByName (projectId: string, name: string): Promise<KeyRecord | undefined> {
    const row = statement(this.#db, 'SELECT * FROM crypto_keys WHERE project_id = ? AND name = ?').get(projectId, name) as KeyRow | undefined
    return row === undefined ? undefined : this.#records([row])[0]
  }

  async listByProject (projectId: string): Promise<KeyRecord[]> {
    return this.#records(statement(this.#db, 'SELECT * FROM crypto_keys WHERE project_id = ? ORDER BY name').all(projectId) as KeyRow[])
  }

  async countByProject (projectId: string): Promise<number> {
    return statement(this.#db, 'SELECT count(*) FROM crypto_keys WHERE project_id = ?').pluck().get(projectId) as number
  }

  /** Inside a write transaction (the group commit's): the row and its copies, or neither. */
  async insert (key: NewKey): Promise<KeyRecord> {
    const now = this.#clock().toISOString()
    try {
      statement(this.#db, 'INSERT INTO crypto_keys (id, project_id, name, description, key_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(key.id, key.projectId, key.name, key.description, key.keyType, now, now)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('key', key.name)
      if (isForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    this.#insertCopies(key)
    return (await this.findByName(key.projectId, key.name))!
  }

  /** Name, description, type and copies replaced; the id stays. */
  async replace (key: NewKey): Promise<KeyRecord> {
    try {
      statement(this.#db, 'UPDATE crypto_keys SET name = ?, description = ?, key_type = ?, updated_at = ? WHERE id = ?')
        .run(key.name, key.description, key.keyType, this.#clock().toISOString(), key.id)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('key', key.name)
      throw err
    }
    statement(this.#db, 'DELETE FROM crypto_key_environments WHERE key_id = ?').run(key.id)
    this.#insertCopies(key)
    return (await this.findByName(key.projectId, key.name))!
  }

  #insertCopies (key: NewKey): void {
    const insert = statement(this.#db, 'INSERT INTO crypto_key_environments (key_id, environment_id, spki, sealed_private) VALUES (?, ?, ?, ?)')
    for (const copy of key.copies) insert.run(key.id, copy.environmentId, copy.spki, copy.sealedPrivate)
  }

  /** @returns whether it existed; its copies go with it */
  async delete (id: string): Promise<boolean> {
    return statement(this.#db, 'DELETE FROM crypto_keys WHERE id = ?').run(id).changes > 0
  }

  /** Every sealed private part, for a master-key rotation to re-seal. */
  async sealedPrivates (): Promise<Array<{ keyId: string, environmentId: string, sealedPrivate: string }>> {
    return (statement(this.#db, 'SELECT key_id, environment_id, sealed_private FROM crypto_key_environments WHERE sealed_private IS NOT NULL').all() as KeyCopyRow[])
      .map(row => ({ keyId: row.key_id, environmentId: row.environment_id, sealedPrivate: row.sealed_private! }))
  }

  async reseal (keyId: string, environmentId: string, sealedPrivate: string): Promise<void> {
    statement(this.#db, 'UPDATE crypto_key_environments SET sealed_private = ? WHERE key_id = ? AND environment_id = ?').run(sealedPrivate, keyId, environmentId)
  }
}
