import { readFileSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Config } from '../config.js'
import { ConfigError } from '../config.js'
import { loadMasterKey, type MasterKey } from '../crypto/master-key.js'
import { Sealer, UnsealError } from '../crypto/sealer.js'
import { fsyncPath, removeAbandonedTemps } from '../store/durable-fs.js'
import type { Repositories, Store } from '../store/store.js'

export const CHECK_KEY = 'master_key_check'
const CHECK_AAD = 'jwkd/master-key-check'
const CHECK_TEXT = 'jwkd master key check'

export type VaultConfig = Pick<Config, 'dataDir' | 'masterKey' | 'masterKeyFile'>

export class WrongMasterKeyError extends Error {
  constructor () {
    super('the master key does not open this data directory\'s keys (it was sealed under another one); refusing to start rather than serve garbage')
    this.name = 'WrongMasterKeyError'
  }
}

/** Where `jwkd master-key rotate` puts the next key until its rotation has committed. */
export const pendingKeyPath = (path: string): string => `${path}.new`

const readKeyFile = (path: string): Buffer => Buffer.from(readFileSync(path, 'utf8').trim(), 'base64')

/**
 * The pending key becomes the key file, durably: the last step of a
 * rotation, wherever it is finished. The CLI that committed the rotation and
 * a running server that noticed it may both get here at once: whoever comes
 * second finds `.new` gone and the key file already holding `key`.
 */
export function adoptPendingKey (path: string, key: Buffer): void {
  try {
    renameSync(pendingKeyPath(path), path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !readKeyFile(path).equals(key)) throw err
  }
  fsyncPath(dirname(path))
}

export const sealCheck = (sealer: Sealer): string => sealer.seal(CHECK_TEXT, CHECK_AAD)

const opensCheck = (sealer: Sealer, check: string): boolean => {
  try {
    return sealer.open(check, CHECK_AAD).toString('utf8') === CHECK_TEXT
  } catch (err) {
    if (err instanceof UnsealError) return false
    throw err
  }
}

function readPendingKey (path: string): Buffer | undefined {
  const pending = pendingKeyPath(path)
  let key: Buffer
  try {
    key = readKeyFile(pending)
  } catch (err) {
    // Read, not first looked for: a rotation elsewhere may rename it into place at any moment.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  if (key.length !== 32) throw new ConfigError(`${pending} must hold base64 of exactly 32 bytes`)
  return key
}

/**
 * The master key this data directory is sealed under, proven by a sealed
 * check value in the meta table. A rotation that committed but did not get
 * to rename its new key file into place (a crash) is finished here.
 */
export async function resolveMasterKey (store: Store, config: VaultConfig, known?: string): Promise<{ sealer: Sealer, masterKey: MasterKey, check: string }> {
  const check = known ?? await store.meta.get(CHECK_KEY)
  // Only a data directory that has sealed nothing yet may get a new key file.
  const masterKey = loadMasterKey(config, { create: check === undefined })
  const sealer = new Sealer(masterKey.key)
  if (check === undefined) {
    const created = sealCheck(sealer)
    await store.commits.run(async tx => await tx.meta.set(CHECK_KEY, created))
    return { sealer, masterKey, check: created }
  }
  const pending = masterKey.path === undefined ? undefined : readPendingKey(masterKey.path)
  // A `.new` beside a key that still opens the check belongs to a rotation
  // that has not committed (or never will): left alone, the next one replaces it.
  if (opensCheck(sealer, check)) return { sealer, masterKey, check }
  if (pending !== undefined && opensCheck(new Sealer(pending), check)) {
    adoptPendingKey(masterKey.path!, pending)
    return { sealer: new Sealer(pending), masterKey: { ...masterKey, key: pending }, check }
  }
  // A running rotation may have renamed its new key into place between the two reads above.
  if (pending === undefined && masterKey.path !== undefined) {
    const reread = loadMasterKey(config, { create: false })
    const rereadSealer = new Sealer(reread.key)
    if (opensCheck(rereadSealer, check)) return { sealer: rereadSealer, masterKey: reread, check }
  }
  throw new WrongMasterKeyError()
}

/**
 * Seals and opens private members with the current master key. The check
 * value changes when `jwkd master-key rotate` (another process) commits; the
 * vault notices on its next use and loads the new key: no restart.
 */
export class Vault {
  readonly #store: Store
  readonly #config: VaultConfig
  #sealer: Sealer
  #check: string
  /** the data_version the check value was last read at */
  #checkedAt = -1
  #refreshing: Promise<Sealer> | undefined
  readonly masterKey: MasterKey

  private constructor (store: Store, config: VaultConfig, { sealer, masterKey, check }: Awaited<ReturnType<typeof resolveMasterKey>>) {
    this.#store = store
    this.#config = config
    // At start only: a running server that noticed a rotation must not pull
    // the temp file from under the next rotation's write.
    if (masterKey.path !== undefined) {
      // A rotation killed while writing its new key leaves a temp file beside it.
      for (const path of [masterKey.path, pendingKeyPath(masterKey.path)]) removeAbandonedTemps(path)
    }
    this.#sealer = sealer
    this.#check = check
    this.masterKey = masterKey
  }

  static async open (store: Store, config: VaultConfig): Promise<Vault> {
    return new Vault(store, config, await resolveMasterKey(store, config))
  }

  async #current (tx?: Repositories): Promise<Sealer> {
    // In a transaction the check is read there (on PostgreSQL, share-locked until the commit): a rotation cannot commit in between.
    if (tx !== undefined) return await this.#adopt(await tx.meta.get(CHECK_KEY))
    // Only another connection's commit (the CLI's rotation) can change the check value.
    const version = this.#store.version.current()
    if (version === this.#checkedAt) return this.#sealer
    // Concurrent callers share one reading: none may go on with the old key while it is read.
    this.#refreshing ??= this.#refresh(version).finally(() => { this.#refreshing = undefined })
    return await this.#refreshing
  }

  async #refresh (version: number): Promise<Sealer> {
    const sealer = await this.#adopt(await this.#store.meta.get(CHECK_KEY))
    this.#checkedAt = version
    return sealer
  }

  /** The key that opens `check`: the one in hand, or the rotated one from its file. */
  async #adopt (check: string | undefined): Promise<Sealer> {
    if (check !== undefined && check !== this.#check) {
      const { sealer } = await resolveMasterKey(this.#store, this.#config, check)
      this.#sealer = sealer
      this.#check = check
    }
    return this.#sealer
  }

  async sealJson (value: unknown, additionalData: string, tx?: Repositories): Promise<string> {
    return (await this.#current(tx)).sealJson(value, additionalData)
  }

  /** Inside a commit, pass its transaction: the check is read there, not on a second connection the transaction may wait for. */
  async openJson<T> (blob: string, additionalData: string, tx?: Repositories): Promise<T> {
    return (await this.#current(tx)).openJson<T>(blob, additionalData)
  }
}
