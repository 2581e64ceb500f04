import { createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto'
import { children, DerError, readOid, readTlv, readUnsigned, TAG, type Tlv } from './der.js'
import { MAX_PBKDF2_ITERATIONS } from './key-material.js'

/** One alias of a PKCS#12 file (RFC 7292): its private key, its certificates, or both. */
export interface Pkcs12Entry {
  /** the friendlyName attribute; entries without one are named by position */
  alias: string
  /** unencrypted PKCS#8 DER */
  pkcs8?: Buffer
  /** X.509 DER, the entry's own certificate first */
  certificates: Buffer[]
}

/** A keystore refused, with a message for the client that never quotes the file. */
export class KeystoreError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'KeystoreError'
  }
}

/** Key-derivation rounds one file may spend in all: a few legitimate files' worth, far from a bomb's. */
export const MAX_TOTAL_ITERATIONS = 2 * MAX_PBKDF2_ITERATIONS
/** Bags in one file: a keystore of a few keys and their chains holds tens. */
export const MAX_BAGS = 256

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha1TripleDes: '1.2.840.113549.1.12.1.3',
  pbmac1: '1.2.840.113549.1.5.14'
}
const DIGESTS: Record<string, { name: string, block: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', block: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', block: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', block: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', block: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', block: 128 }
}
const HMACS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512'
}
const CIPHERS: Record<string, { name: string, keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 }
}
const REEXPORT = 're-export it with `openssl pkcs12 -export` (AES-256, PBKDF2 and an HMAC-SHA-256 MAC are its defaults)'

const expect = (element: Tlv | undefined, tag: number): Tlv => {
  if (element === undefined || element.tag !== tag) throw new DerError()
  return element
}
const sequence = (element: Tlv | undefined): Tlv[] => children(expect(element, TAG.SEQUENCE).value)
/** The content of a [0] EXPLICIT wrapper. */
const explicit = (element: Tlv | undefined): Tlv => {
  if (element === undefined || element.tag !== 0xa0) throw new DerError()
  return readTlv(element.value)
}

/** UTF-16 big-endian, as Java's keystores hash a password. */
export function utf16be (password: string): Buffer {
  return Buffer.from(password, 'utf16le').swap16()
}

/** The password as RFC 7292 appendix B.1 wants it for its own KDF: BMPString, two zero bytes after. */
const bmpPassword = (password: string): Buffer => Buffer.concat([utf16be(password), Buffer.alloc(2)])

/** RFC 7292 appendix B.2: the key (id 1), IV (id 2) or MAC key (id 3) derivation. */
export function pkcs12Kdf (digest: { name: string, block: number }, password: Buffer, salt: Buffer, id: number, iterations: number, length: number): Buffer {
  const v = digest.block
  const fill = (source: Buffer): Buffer => {
    if (source.length === 0) return Buffer.alloc(0)
    const out = Buffer.alloc(v * Math.ceil(source.length / v))
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!
    return out
  }
  const input = Buffer.concat([fill(salt), fill(password)])
  const diversifier = Buffer.alloc(v, id)
  const output: Buffer[] = []
  let produced = 0
  while (produced < length) {
    let a = createHash(digest.name).update(diversifier).update(input).digest()
    for (let round = 1; round < iterations; round++) a = createHash(digest.name).update(a).digest()
    output.push(a)
    produced += a.length
    // I_j = (I_j + B + 1) mod 2^(8v), B being A repeated to v bytes
    const b = Buffer.alloc(v)
    for (let i = 0; i < v; i++) b[i] = a[i % a.length]!
    for (let block = 0; block < input.length; block += v) {
      let carry = 1
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[block + i]! + b[i]! + carry
        input[block + i] = sum & 0xff
        carry = sum >> 8
      }
    }
  }
  return Buffer.concat(output).subarray(0, length)
}

/** Counts key-derivation rounds before any is spent, so a bomb is refused unopened. */
class Budget {
  #left = MAX_TOTAL_ITERATIONS

  spend (iterations: number): void {
    if (!Number.isFinite(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      throw new KeystoreError(`The keystore asks for ${Number.isFinite(iterations) ? iterations : 'more than 2^53'} key-derivation rounds; at most ${MAX_PBKDF2_ITERATIONS} are accepted`)
    }
    this.#left -= iterations
    if (this.#left < 0) throw new KeystoreError(`The keystore asks for more than ${MAX_TOTAL_ITERATIONS} key-derivation rounds in all`)
  }
}

/** Decrypts data under a PBES2 or pbeWithSHAAnd3-KeyTripleDES-CBC algorithm identifier. */
function decrypt (algorithm: Tlv, data: Buffer, password: string, budget: Budget): Buffer {
  const [oid, parameters] = sequence(algorithm)
  const scheme = readOid(oid!)
  let key: Buffer
  let iv: Buffer
  let cipher: string
  if (scheme === OID.pbes2) {
    const [kdf, encryption] = sequence(parameters)
    const [kdfOid, kdfParameters] = sequence(kdf)
    if (readOid(kdfOid!) !== OID.pbkdf2) throw new KeystoreError(`The keystore derives its keys with a function other than PBKDF2; ${REEXPORT}`)
    const [salt, count, ...rest] = sequence(kdfParameters)
    const prfElement = rest.find(element => element.tag === TAG.SEQUENCE)
    const prf = prfElement === undefined ? 'sha1' : HMACS[readOid(sequence(prfElement)[0]!)]
    const [cipherOid, ivElement] = sequence(encryption)
    const found = CIPHERS[readOid(cipherOid!)]
    if (prf === undefined || found === undefined) throw new KeystoreError(`The keystore is encrypted with an algorithm jwkd does not open; ${REEXPORT}`)
    const iterations = readUnsigned(count!)
    budget.spend(iterations)
    // PBES2 takes the password as UTF-8 (RFC 8018), as OpenSSL and Java write it.
    key = pbkdf2Sync(Buffer.from(password, 'utf8'), expect(salt, TAG.OCTET_STRING).value, iterations, found.keyLength, prf)
    iv = expect(ivElement, TAG.OCTET_STRING).value
    cipher = found.name
  } else if (scheme === OID.pbeSha1TripleDes) {
    const [salt, count] = sequence(parameters)
    const iterations = readUnsigned(count!)
    budget.spend(2 * iterations)
    const sha1 = DIGESTS['1.3.14.3.2.26']!
    const saltBytes = expect(salt, TAG.OCTET_STRING).value
    const bmp = bmpPassword(password)
    key = pkcs12Kdf(sha1, bmp, saltBytes, 1, iterations, 24)
    iv = pkcs12Kdf(sha1, bmp, saltBytes, 2, iterations, 8)
    cipher = 'des-ede3-cbc'
  } else {
    // RC2-40 (`openssl pkcs12 -legacy`) and the other PKCS#12 PBEs: not in OpenSSL 3's default provider.
    throw new KeystoreError(`The keystore is encrypted with an algorithm jwkd does not open (${scheme}); ${REEXPORT}`)
  }
  try {
    const decipher = createDecipheriv(cipher, key, iv)
    return Buffer.concat([decipher.update(data), decipher.final()])
  } catch {
    throw new KeystoreError('The keystore password is wrong, or the file is damaged')
  }
}

/** The MAC over the authenticated safe, checked before anything is decrypted. */
function checkMac (macData: Tlv | undefined, content: Buffer, password: string, budget: Budget): void {
  if (macData === undefined) throw new KeystoreError('The keystore has no integrity MAC; jwkd only opens password-protected PKCS#12 files')
  const [digestInfo, salt, count] = sequence(macData)
  const [algorithm, expected] = sequence(digestInfo)
  const algorithmOid = readOid(sequence(algorithm)[0]!)
  if (algorithmOid === OID.pbmac1) throw new KeystoreError(`The keystore's MAC is PBMAC1, which jwkd does not check yet; ${REEXPORT}`)
  const digest = DIGESTS[algorithmOid]
  if (digest === undefined) throw new KeystoreError(`The keystore's MAC uses a digest jwkd does not know; ${REEXPORT}`)
  const iterations = count === undefined ? 1 : readUnsigned(count)
  budget.spend(iterations)
  const key = pkcs12Kdf(digest, bmpPassword(password), expect(salt, TAG.OCTET_STRING).value, 3, iterations, createHash(digest.name).digest().length)
  const actual = createHmac(digest.name, key).update(content).digest()
  const wanted = expect(expected, TAG.OCTET_STRING).value
  if (wanted.length !== actual.length || !timingSafeEqual(wanted, actual)) throw new KeystoreError('The keystore password is wrong, or the file is damaged')
}

/** An OCTET STRING, or the constructed form some writers use: its pieces joined. */
function octets (element: Tlv, primitiveTag: number, constructedTag: number): Buffer {
  if (element.tag === primitiveTag) return element.value
  if (element.tag === constructedTag) return Buffer.concat(children(element.value).map(piece => expect(piece, TAG.OCTET_STRING).value))
  throw new DerError()
}

interface Bag {
  type: string
  value: Tlv
  /** the bag's value as a whole element (a keyBag's PrivateKeyInfo) */
  raw: Buffer
  friendlyName?: string
  localKeyId?: string
}

function readAttributes (set: Tlv | undefined): Pick<Bag, 'friendlyName' | 'localKeyId'> {
  const found: Pick<Bag, 'friendlyName' | 'localKeyId'> = {}
  if (set === undefined) return found
  for (const attribute of children(expect(set, 0x31).value)) {
    const [oid, values] = sequence(attribute)
    const first = children(expect(values, 0x31).value)[0]
    if (first === undefined) continue
    const type = readOid(oid!)
    if (type === OID.friendlyName && first.tag === 0x1e) {
      if (first.value.length % 2 !== 0) throw new DerError()
      found.friendlyName = Buffer.from(first.value).swap16().toString('utf16le')
    }
    if (type === OID.localKeyId && first.tag === TAG.OCTET_STRING) found.localKeyId = first.value.toString('hex')
  }
  return found
}

/**
 * The entries of a password-protected PKCS#12 file: MAC checked first, every
 * key-derivation count checked before it is spent. Throws KeystoreError with a
 * message for the client (never quoting the file), or DerError.
 */
export function readPkcs12 (file: Buffer, password: string): Pkcs12Entry[] {
  const budget = new Budget()
  const top = readTlv(file)
  if (top.end !== file.length) throw new DerError()
  const [version, authSafe, macData] = sequence(top)
  if (readUnsigned(version!) !== 3) throw new KeystoreError('The keystore is not a PKCS#12 version 3 file')
  const [contentType, wrapped] = sequence(authSafe)
  if (readOid(contentType!) !== OID.data) throw new KeystoreError('The keystore is signed with a public key (PKCS#12 public-key integrity mode), which jwkd does not open')
  const content = octets(explicit(wrapped), TAG.OCTET_STRING, 0x24)
  checkMac(macData, content, password, budget)

  const bags: Bag[] = []
  for (const info of children(readTlv(content).value)) {
    const [type, body] = sequence(info)
    let safeContents: Buffer
    if (readOid(type!) === OID.data) {
      safeContents = octets(explicit(body), TAG.OCTET_STRING, 0x24)
    } else if (readOid(type!) === OID.encryptedData) {
      const [, encryptedContentInfo] = sequence(explicit(body))
      const [, algorithm, encrypted] = sequence(encryptedContentInfo)
      if (encrypted === undefined) throw new DerError()
      safeContents = decrypt(algorithm!, octets(encrypted, 0x80, 0xa0), password, budget)
    } else {
      throw new KeystoreError('The keystore holds content sealed to a public key (enveloped data), which jwkd does not open')
    }
    for (const bag of children(readTlv(safeContents).value)) {
      if (bags.length >= MAX_BAGS) throw new KeystoreError(`The keystore holds more than ${MAX_BAGS} entries`)
      const [bagType, bagValue, attributes] = sequence(bag)
      const value = explicit(bagValue)
      bags.push({ type: readOid(bagType!), value, raw: bagValue!.value.subarray(0, value.end), ...readAttributes(attributes) })
    }
  }
  return entriesOf(bags, password, budget)
}

/** Keys with the certificates that share their localKeyId (else their friendlyName); lone certificates as their own entries. */
function entriesOf (bags: Bag[], password: string, budget: Budget): Pkcs12Entry[] {
  const entries: Array<Pkcs12Entry & { localKeyId?: string }> = []
  for (const bag of bags) {
    if (bag.type !== OID.keyBag && bag.type !== OID.shroudedKeyBag) continue
    let pkcs8: Buffer
    if (bag.type === OID.keyBag) {
      pkcs8 = bag.raw
    } else {
      const [algorithm, encrypted] = sequence(bag.value)
      pkcs8 = decrypt(algorithm!, expect(encrypted, TAG.OCTET_STRING).value, password, budget)
    }
    entries.push({ alias: bag.friendlyName ?? `${entries.length + 1}`, pkcs8, certificates: [], localKeyId: bag.localKeyId })
  }
  for (const bag of bags) {
    if (bag.type !== OID.certBag) continue
    const [certType, certValue] = sequence(bag.value)
    if (readOid(certType!) !== OID.x509Certificate) continue
    const der = expect(explicit(certValue), TAG.OCTET_STRING).value
    const owner = entries.find(entry => entry.pkcs8 !== undefined && (
      (bag.localKeyId !== undefined && entry.localKeyId === bag.localKeyId) ||
      (bag.localKeyId === undefined && bag.friendlyName !== undefined && entry.alias === bag.friendlyName)))
    if (owner !== undefined) owner.certificates.push(der)
    else entries.push({ alias: bag.friendlyName ?? `${entries.length + 1}`, certificates: [der] })
  }
  const seen = new Set<string>()
  for (const entry of entries) {
    if (seen.has(entry.alias)) throw new KeystoreError(`The keystore names two entries "${entry.alias.slice(0, 64)}"`)
    seen.add(entry.alias)
  }
  return entries.map(({ localKeyId, ...entry }) => entry)
}
