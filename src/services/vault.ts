import type { Config } from '../config.js'
import { loadMasterKey, type MasterKey } from '../crypto/master-key.js'
import { Sealer, UnsealError } from '../crypto/sealer.js'
import type { Store } from '../store/store.js'

const CHECK_KEY = 'master_key_check'
const CHECK_AAD = 'jwkd/master-key-check'
const CHECK_TEXT = 'jwkd master key check'

export class WrongMasterKeyError extends Error {
  constructor () {
    super('the master key does not open this data directory\'s keys (it was sealed under another one); refusing to start rather than serve garbage')
    this.name = 'WrongMasterKeyError'
  }
}

/**
 * The master key, proven to be the one this data directory was sealed under:
 * the first open seals a known text into the meta table, later opens must
 * be able to open it.
 */
export function openVault (store: Store, config: Pick<Config, 'dataDir' | 'masterKey' | 'masterKeyFile'>): { sealer: Sealer, masterKey: MasterKey } {
  const masterKey = loadMasterKey(config)
  const sealer = new Sealer(masterKey.key)
  const check = store.meta.get(CHECK_KEY)
  if (check === undefined) {
    store.meta.set(CHECK_KEY, sealer.seal(CHECK_TEXT, CHECK_AAD))
  } else {
    try {
      if (sealer.open(check, CHECK_AAD).toString('utf8') !== CHECK_TEXT) throw new UnsealError()
    } catch (err) {
      if (err instanceof UnsealError) throw new WrongMasterKeyError()
      throw err
    }
  }
  return { sealer, masterKey }
}
