import { X509Certificate } from 'node:crypto'
import { DerError } from './der.js'
import { readJks } from './jks.js'
import { KEY_TYPES, readKeyPair, type StoredKeyType } from './key-material.js'
import { KeystoreError, readPkcs12, type Pkcs12Entry } from './pkcs12.js'

export type KeystoreType = 'PKCS12' | 'JKS'

/** One environment's keystore as sent: the file as base64, and the passwords that open it (used once, never stored). */
export interface KeystoreInput {
  type: KeystoreType
  file: string
  password: string
  /** a JKS key's own password (keytool -keypass); the store password when absent */
  keyPassword?: string
}

/** One alias, vetted: a key (with its certificates) or a certificate alone. */
export interface KeystoreEntry {
  alias: string
  /** the key's type, or the certificate's key's */
  keyType: StoredKeyType
  /** SubjectPublicKeyInfo, base64 DER */
  spki: string
  /** unencrypted PKCS#8, base64 DER, for the caller to seal */
  pkcs8?: string
  /** X.509, base64 DER, the entry's own first */
  certificates: string[]
}

export type ReadKeystoreResult = { ok: true, entries: KeystoreEntry[] } | { ok: false, reason: string }

function vetEntry (entry: Pkcs12Entry): KeystoreEntry {
  const shown = entry.alias.slice(0, 64)
  const certificates = entry.certificates.map(der => {
    try {
      return new X509Certificate(der)
    } catch {
      throw new KeystoreError(`The certificate of alias "${shown}" is not a readable X.509 certificate`)
    }
  })
  const own = certificates[0]?.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  if (entry.pkcs8 === undefined) {
    const keyType = KEY_TYPES[certificates[0]!.publicKey.asymmetricKeyType ?? '']
    if (keyType === undefined) throw new KeystoreError(`The certificate of alias "${shown}" holds a key of a type jwkd does not store`)
    return { alias: entry.alias, keyType, spki: own!, certificates: entry.certificates.map(der => der.toString('base64')) }
  }
  // The same checks as a key file: type, size, soundness.
  const read = readKeyPair({ privateKey: entry.pkcs8.toString('base64') })
  if (!read.ok) throw new KeystoreError(`The key of alias "${shown}": ${read.reason.replace(/^privateKey /, 'it ')}`)
  if (own !== undefined && own !== read.key.spki) throw new KeystoreError(`The key of alias "${shown}" and its certificate are not one key pair`)
  return { alias: entry.alias, ...read.key, certificates: entry.certificates.map(der => der.toString('base64')) }
}

/**
 * Opens a PKCS#12 or JKS keystore and vets every alias (in the heavy lane:
 * key derivations and RSA checks cost). A refusal's reason is for the client
 * and never quotes the file or a password.
 */
export function readKeystore (input: KeystoreInput): ReadKeystoreResult {
  try {
    const compact = input.file.replace(/\s+/g, '')
    if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new KeystoreError('file must be the keystore as base64')
    if (input.type === 'PKCS12' && input.keyPassword !== undefined) throw new KeystoreError('keyPassword is only used with JKS keystores: a PKCS#12 file has one password')
    const file = Buffer.from(compact, 'base64')
    const entries = input.type === 'JKS' ? readJks(file, input.password, input.keyPassword) : readPkcs12(file, input.password)
    if (entries.length === 0) throw new KeystoreError('The keystore holds no entries')
    return { ok: true, entries: entries.map(vetEntry) }
  } catch (err) {
    if (err instanceof KeystoreError) return { ok: false, reason: err.message }
    if (err instanceof DerError || err instanceof RangeError) return { ok: false, reason: `The file is not a readable ${input.type === 'JKS' ? 'JKS' : 'PKCS#12'} keystore` }
    throw err
  }
}
