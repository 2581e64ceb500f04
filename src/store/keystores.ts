import { randomUUID } from 'node:crypto'
import type { Clock } from '../clock.js'
import type { StoredKeyType } from '../crypto/key-material.js'
import type { KeystoreType } from '../crypto/keystore.js'
import { withCopies } from './copies.js'
import { statement, type Db } from './database.js'
import type { Keystores } from './repositories.js'
import { NameTakenError, ProjectGoneError, isForeignKeyViolation, isUniqueViolation } from './errors.js'

/** What may be shown of an alias without opening anything. */
export interface AliasSummary {
  aliasName: string
  keyType: StoredKeyType
  hasPrivateKey: boolean
}

/** One environment's copy of a keystore: its aliases in clear, the file and the keys sealed. */
export interface KeystoreCopy {
  environmentId: string
  environmentName: string
  type: KeystoreType
  aliases: AliasSummary[]
  sealedContent: string
}

export interface KeystoreRecord {
  id: string
  projectId: string
  name: string
  description: string
  createdAt: string
  updatedAt: string
  copies: KeystoreCopy[]
}

export interface NewKeystore {
  id: string
  projectId: string
  name: string
  description: string
  copies: Array<Omit<KeystoreCopy, 'environmentName'>>
}

export interface KeystoreRow { id: string, project_id: string, name: string, description: string, created_at: string, updated_at: string }
export interface KeystoreCopyRow { keystore_id: string, environment_id: string, environment_name: string, type: KeystoreType, aliases: string, sealed_content: string }

/** Rows of either database to records: each keystore with its copies (the copy rows of those keystores, by environment name). */
export const keystoreRecords = (rows: KeystoreRow[], copyRows: KeystoreCopyRow[]): KeystoreRecord[] => withCopies(rows, copyRows, {
  ownerOf: copy => copy.keystore_id,
  toCopy: (copy): KeystoreCopy => ({
    environmentId: copy.environment_id,
    environmentName: copy.environment_name,
    type: copy.type,
    aliases: JSON.parse(copy.aliases) as AliasSummary[],
    sealedContent: copy.sealed_content
  })
}, (row, copies) => ({ id: row.id, projectId: row.project_id, name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at, copies }))

/** Keystores of a project and their per-environment copies. */
export class KeystoreRepository implements Keystores {
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

  #records (rows: KeystoreRow[]): KeystoreRecord[] {
    const copies = rows.length === 0
      ? []
      : statement(this.#db, `SELECT k.keystore_id, k.environment_id, e.name AS environment_name, k.type, k.aliases, k.sealed_content
        FROM keystore_environments k JOIN environments e ON e.id = k.environment_id
        WHERE k.keystore_id IN (SELECT value FROM json_each(?)) ORDER BY e.name`).all(JSON.stringify(rows.map(row => row.id))) as KeystoreCopyRow[]
    return keystoreRecords(rows, copies)
  }

  async findByName (projectId: string, name: string): Promise<KeystoreRecord | undefined> {
    const row = statement(this.#db, 'SELECT * FROM keystores WHERE project_id = ? AND name = ?').get(projectId, name) as KeystoreRow | undefined
    return row === undefined ? undefined : this.#records([row])[0]
  }

  async listByProject (projectId: string): Promise<KeystoreRecord[]> {
    return this.#records(statement(this.#db, 'SELECT * FROM keystores WHERE project_id = ? ORDER BY name').all(projectId) as KeystoreRow[])
  }

  async countByProject (projectId: string): Promise<number> {
    return statement(this.#db, 'SELECT count(*) FROM keystores WHERE project_id = ?').pluck().get(projectId) as number
  }

  /** Inside a write transaction (the group commit's): the row and its copies, or neither. */
  async insert (keystore: NewKeystore): Promise<KeystoreRecord> {
    const now = this.#clock().toISOString()
    try {
      statement(this.#db, 'INSERT INTO keystores (id, project_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(keystore.id, keystore.projectId, keystore.name, keystore.description, now, now)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('keystore', keystore.name)
      if (isForeignKeyViolation(err)) throw new ProjectGoneError()
      throw err
    }
    this.#insertCopies(keystore)
    return (await this.findByName(keystore.projectId, keystore.name))!
  }

  /** Name, description and copies replaced; the id stays. */
  async replace (keystore: NewKeystore): Promise<KeystoreRecord> {
    try {
      statement(this.#db, 'UPDATE keystores SET name = ?, description = ?, updated_at = ? WHERE id = ?')
        .run(keystore.name, keystore.description, this.#clock().toISOString(), keystore.id)
    } catch (err) {
      if (isUniqueViolation(err)) throw new NameTakenError('keystore', keystore.name)
      throw err
    }
    statement(this.#db, 'DELETE FROM keystore_environments WHERE keystore_id = ?').run(keystore.id)
    this.#insertCopies(keystore)
    return (await this.findByName(keystore.projectId, keystore.name))!
  }

  #insertCopies (keystore: NewKeystore): void {
    const insert = statement(this.#db, 'INSERT INTO keystore_environments (keystore_id, environment_id, type, aliases, sealed_content) VALUES (?, ?, ?, ?, ?)')
    for (const copy of keystore.copies) insert.run(keystore.id, copy.environmentId, copy.type, JSON.stringify(copy.aliases), copy.sealedContent)
  }

  /** @returns whether it existed; its copies go with it */
  async delete (id: string): Promise<boolean> {
    return statement(this.#db, 'DELETE FROM keystores WHERE id = ?').run(id).changes > 0
  }

  /** Every sealed copy, for a master-key rotation to re-seal. */
  async sealedContents (): Promise<Array<{ keystoreId: string, environmentId: string, sealedContent: string }>> {
    return (statement(this.#db, 'SELECT keystore_id, environment_id, sealed_content FROM keystore_environments').all() as KeystoreCopyRow[])
      .map(row => ({ keystoreId: row.keystore_id, environmentId: row.environment_id, sealedContent: row.sealed_content }))
  }

  async reseal (keystoreId: string, environmentId: string, sealedContent: string): Promise<void> {
    statement(this.#db, 'UPDATE keystore_environments SET sealed_content = ? WHERE keystore_id = ? AND environment_id = ?').run(sealedContent, keystoreId, environmentId)
  }
}
