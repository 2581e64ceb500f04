import { createHash, timingSafeEqual } from 'node:crypto'
import { children, DerError, readOid, readTlv, TAG } from './der.js'
import { MAX_BAGS, KeystoreError, utf16be, type Pkcs12Entry } from './pkcs12.js'

/** Java's own keystore format (JKS): an entry has the same parts as in PKCS#12, so the readers share its shape and errors. */
export type JksEntry = Pkcs12Entry

const MAGIC = 0xfeedfeed
const JCEKS_MAGIC = 0xcececece
const PRIVATE_KEY_ENTRY = 1
const TRUSTED_CERT_ENTRY = 2
// Sun's KeyProtector: SHA-1 keystream over the password, 20-byte salt and check digest.
const KEY_PROTECTOR_OID = '1.3.6.1.4.1.42.2.17.1.1'
const DIGEST_BYTES = 20

/** Bounds-checked reads over the file; any overrun is a DerError, as for a truncated PKCS#12. */
class Reader {
  #offset = 0
  constructor (readonly buffer: Buffer) {}

  get offset (): number { return this.#offset }

  bytes (length: number): Buffer {
    if (length < 0 || this.#offset + length > this.buffer.length) throw new DerError()
    const slice = this.buffer.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return slice
  }

  int (): number { return this.bytes(4).readInt32BE() }
  utf (): string { return this.bytes(this.bytes(2).readUInt16BE()).toString('utf8') }
}

/** Decrypts a KeyProtector-sealed key: XOR with SHA-1(password ‖ previous block), then the check digest. */
function unprotect (encryptedPrivateKeyInfo: Buffer, password: Buffer): Buffer {
  const top = readTlv(encryptedPrivateKeyInfo)
  if (top.tag !== TAG.SEQUENCE) throw new DerError()
  const [algorithm, data] = children(top.value)
  const [oid] = children(algorithm?.tag === TAG.SEQUENCE ? algorithm.value : Buffer.alloc(0))
  if (oid === undefined || readOid(oid) !== KEY_PROTECTOR_OID) throw new KeystoreError('The JKS keystore protects a key with an algorithm jwkd does not open; convert it with `keytool -importkeystore -deststoretype PKCS12`')
  if (data?.tag !== TAG.OCTET_STRING || data.value.length < 2 * DIGEST_BYTES) throw new DerError()
  const salt = data.value.subarray(0, DIGEST_BYTES)
  const encrypted = data.value.subarray(DIGEST_BYTES, data.value.length - DIGEST_BYTES)
  const check = data.value.subarray(data.value.length - DIGEST_BYTES)
  const plain = Buffer.alloc(encrypted.length)
  let block: Buffer = salt
  for (let offset = 0; offset < encrypted.length; offset += DIGEST_BYTES) {
    block = createHash('sha1').update(password).update(block).digest()
    for (let i = 0; i < DIGEST_BYTES && offset + i < encrypted.length; i++) plain[offset + i] = encrypted[offset + i]! ^ block[i]!
  }
  const actual = createHash('sha1').update(password).update(plain).digest()
  if (!timingSafeEqual(actual, check)) throw new KeystoreError('The key password is wrong, or the keystore is damaged')
  return plain
}

/**
 * The entries of a JKS file, its integrity digest checked first. The store
 * password opens the keys too unless a key password is given (keytool's
 * -keypass). Throws KeystoreError with a message for the client, or DerError.
 */
export function readJks (file: Buffer, password: string, keyPassword = password): JksEntry[] {
  if (file.length < 12 + DIGEST_BYTES) throw new DerError()
  const magic = file.readUInt32BE(0)
  if (magic === JCEKS_MAGIC) throw new KeystoreError('The keystore is JCEKS, not JKS; convert it with `keytool -importkeystore -deststoretype PKCS12`')
  if (magic !== MAGIC) throw new KeystoreError('The keystore is not a JKS file')
  const body = file.subarray(0, file.length - DIGEST_BYTES)
  const digest = createHash('sha1').update(utf16be(password)).update('Mighty Aphrodite', 'utf8').update(body).digest()
  if (!timingSafeEqual(digest, file.subarray(file.length - DIGEST_BYTES))) throw new KeystoreError('The keystore password is wrong, or the file is damaged')

  const reader = new Reader(body)
  reader.bytes(4)
  const version = reader.int()
  if (version !== 1 && version !== 2) throw new KeystoreError(`The JKS keystore has version ${version}; jwkd reads versions 1 and 2`)
  const count = reader.int()
  if (count < 0 || count > MAX_BAGS) throw new KeystoreError(`The keystore holds more than ${MAX_BAGS} entries`)
  const certificate = (): Buffer => {
    if (version === 2 && reader.utf() !== 'X.509') throw new KeystoreError('The JKS keystore holds a certificate that is not X.509')
    return reader.bytes(reader.int())
  }
  const entries: JksEntry[] = []
  for (let index = 0; index < count; index++) {
    const tag = reader.int()
    const alias = reader.utf()
    reader.bytes(8) // creation date
    if (tag === PRIVATE_KEY_ENTRY) {
      const sealed = reader.bytes(reader.int())
      const chainLength = reader.int()
      if (chainLength < 0 || chainLength > MAX_BAGS) throw new KeystoreError(`The keystore holds more than ${MAX_BAGS} entries`)
      const certificates = Array.from({ length: chainLength }, certificate)
      entries.push({ alias, pkcs8: unprotect(sealed, utf16be(keyPassword)), certificates })
    } else if (tag === TRUSTED_CERT_ENTRY) {
      entries.push({ alias, certificates: [certificate()] })
    } else {
      throw new KeystoreError('The JKS keystore holds an entry of a kind jwkd does not know')
    }
  }
  if (reader.offset !== body.length) throw new DerError()
  return entries
}
