import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type Config } from '../config.js'

export type MasterKeySource = 'JWKD_MASTER_KEY' | 'JWKD_MASTER_KEY_FILE' | 'data-dir' | 'data-dir-created'

export interface MasterKey {
  key: Buffer
  source: MasterKeySource
  /** where the key file is, when it is a file */
  path?: string
  /** the key file's mode lets its group or others read it */
  readableByOthers?: boolean
}

function decode (text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) throw new ConfigError(`${where} must hold base64 of exactly 32 bytes (got ${key.length} bytes)`)
  // A placeholder left in a config file, not a key: it would seal nothing.
  if (key.every(byte => byte === 0)) throw new ConfigError(`${where} holds an all-zero key; make a random one`)
  return key
}

const readableByOthers = (path: string): boolean => (statSync(path).mode & 0o077) !== 0

export const masterKeyPath = (dataDir: string): string => join(dataDir, 'master.key')

export const newMasterKeyText = (): string => randomBytes(32).toString('base64')

function readKeyFile (path: string, where: string): Buffer {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`${where}: cannot read ${path}: ${(err as Error).message}`)
  }
  return decode(text, where)
}

/**
 * The key-encryption key, from the environment, a named file, or — when
 * neither is configured — `<data>/master.key`, created on first use.
 */
export function loadMasterKey (config: Pick<Config, 'dataDir' | 'masterKey' | 'masterKeyFile'>, options: { create: boolean } = { create: true }): MasterKey {
  if (config.masterKey !== undefined) return { key: decode(config.masterKey, 'JWKD_MASTER_KEY'), source: 'JWKD_MASTER_KEY' }
  if (config.masterKeyFile !== undefined) {
    const key = readKeyFile(config.masterKeyFile, 'JWKD_MASTER_KEY_FILE')
    return { key, source: 'JWKD_MASTER_KEY_FILE', path: config.masterKeyFile, readableByOthers: readableByOthers(config.masterKeyFile) }
  }
  const path = masterKeyPath(config.dataDir)
  try {
    return { key: decode(readFileSync(path, 'utf8'), path), source: 'data-dir', path, readableByOthers: readableByOthers(path) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    if (!options.create) {
      throw new ConfigError(`no master key: this data directory holds keys sealed under one, but JWKD_MASTER_KEY, JWKD_MASTER_KEY_FILE and ${path} give none; refusing to make a new key that could open nothing`)
    }
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const text = newMasterKeyText()
  try {
    // 'wx': of two processes racing to create it, one writes and the other reads.
    writeFileSync(path, text + '\n', { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return { key: readKeyFile(path, path), source: 'data-dir', path }
  }
  return { key: decode(text, path), source: 'data-dir-created', path }
}
