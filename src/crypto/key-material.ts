import { createPrivateKey, createPublicKey, type KeyObject, type PrivateKeyInput, type PublicKeyInput } from 'node:crypto'
import { children, DerError, readOid, readTlv, readUnsigned, TAG } from './der.js'
import { inspectJwk } from './inspect-jwk.js'

/** A stored key's type, as Apinizer names it. */
export type StoredKeyType = 'RSA' | 'EC' | 'OKP'

/** One environment's key as sent: PEM text, or base64 of DER (or of the PEM text). */
export interface KeyPairInput {
  publicKey?: string
  privateKey?: string
  /** for an encrypted private key (PKCS#8 PBES2, or OpenSSL's legacy PEM encryption) */
  privateKeyPassword?: string
}

export interface ReadKey {
  keyType: StoredKeyType
  /** SubjectPublicKeyInfo, base64 DER */
  spki: string
  /** unencrypted PKCS#8, base64 DER: the caller seals it */
  pkcs8?: string
}

export type ReadKeyResult = { ok: true, key: ReadKey } | { ok: false, reason: string }

/** PBKDF2 rounds an encrypted key may ask for: OpenSSL's default is 2048, OWASP's advice for SHA-256 600 000. */
export const MAX_PBKDF2_ITERATIONS = 1_000_000

const OID = { PBES2: '1.2.840.113549.1.5.13', PBKDF2: '1.2.840.113549.1.5.12' }
const REENCRYPT = 're-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256`'
/** Node's asymmetricKeyType → the stored key type. */
export const KEY_TYPES: Record<string, StoredKeyType> = { rsa: 'RSA', ec: 'EC', ed25519: 'OKP', ed448: 'OKP', x25519: 'OKP', x448: 'OKP' }
const PUBLIC_LABELS: Record<string, PublicKeyInput['type']> = { 'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1' }
const PRIVATE_LABELS = ['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']
// `openssl ecparam -genkey` writes the curve's parameters before the key.
const IGNORED_LABELS = ['EC PARAMETERS']
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([\s\S]*?)-----END \1-----/g

class Refused extends Error {}

interface Pem { label: string, text: string, der: Buffer, legacyEncrypted: boolean }

function readPem (text: string, field: string, labels: readonly string[]): Pem {
  const blocks = [...text.matchAll(PEM_BLOCK)].filter(block => !IGNORED_LABELS.includes(block[1]!))
  if (blocks.length === 0) throw new Refused(`${field} holds no PEM block`)
  if (blocks.length > 1) throw new Refused(`${field} holds ${blocks.length} PEM blocks; give one key`)
  const [whole, label, body] = blocks[0] as unknown as [string, string, string]
  if (label === 'CERTIFICATE') throw new Refused(`${field} holds a certificate: store it as a certificate (POST …/certificates/) and make the JWK from it`)
  if (!labels.includes(label)) throw new Refused(`${field} holds a ${label} block, not ${labels.map(one => `a ${one}`).join(' or ')}`)
  const lines = body.split(/\r?\n/)
  // OpenSSL's legacy encryption puts "Proc-Type: 4,ENCRYPTED" and "DEK-Info: …" headers before the base64.
  const headers = lines.filter(line => line.includes(':'))
  const base64 = lines.filter(line => !line.includes(':')).join('').replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new Refused(`${field} is not valid PEM (its body is not base64)`)
  return { label, text: whole, der: Buffer.from(base64, 'base64'), legacyEncrypted: headers.some(line => /^Proc-Type:\s*4,ENCRYPTED/.test(line)) }
}

/** PEM as it is, or base64 of DER or of PEM text; undefined when it is DER. */
function asPem (text: string): string | undefined {
  if (text.includes('-----BEGIN')) return text
  const decoded = Buffer.from(text, 'base64').toString('latin1')
  return decoded.includes('-----BEGIN') ? decoded : undefined
}

function asDer (text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, '')
  if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new Refused(`${field} must be PEM text or base64 of DER`)
  return Buffer.from(compact, 'base64')
}

/** EncryptedPrivateKeyInfo starts with an AlgorithmIdentifier; PrivateKeyInfo with its version INTEGER. */
function isEncryptedPkcs8 (der: Buffer): boolean {
  try {
    const [first, second] = children(readTlv(der).value)
    return first?.tag === TAG.SEQUENCE && second?.tag === TAG.OCTET_STRING
  } catch (err) {
    if (err instanceof DerError) return false
    throw err
  }
}

/** What decrypting would cost is read before anything decrypts: a key asking for 2^31 PBKDF2 rounds is refused, not tried. */
function checkEncryption (der: Buffer, field: string): void {
  try {
    const [algorithm] = children(readTlv(der).value)
    const [scheme, parameters] = children(algorithm!.value)
    const schemeOid = readOid(scheme!)
    if (schemeOid !== OID.PBES2) throw new Refused(`${field} is encrypted with a legacy scheme (${schemeOid}); ${REENCRYPT}`)
    const [derivation] = children(parameters!.value)
    const [kdf, kdfParameters] = children(derivation!.value)
    const kdfOid = readOid(kdf!)
    if (kdfOid !== OID.PBKDF2) throw new Refused(`${field} derives its encryption key with ${kdfOid}, not PBKDF2; ${REENCRYPT}`)
    const iterations = readUnsigned(children(kdfParameters!.value)[1]!)
    if (iterations > MAX_PBKDF2_ITERATIONS) throw new Refused(`${field} asks for ${iterations} PBKDF2 iterations; at most ${MAX_PBKDF2_ITERATIONS}`)
  } catch (err) {
    if (err instanceof DerError || err instanceof TypeError) throw new Refused(`${field} is not a readable encrypted PKCS#8 key`)
    throw err
  }
}

function checkPassphrase (encrypted: boolean, passphrase: string | undefined, field: string): void {
  if (encrypted && passphrase === undefined) throw new Refused(`${field} is encrypted: give its passphrase in privateKeyPassword`)
  if (!encrypted && passphrase !== undefined) throw new Refused(`${field} is not encrypted: leave privateKeyPassword out`)
}

function readPrivate (text: string, passphrase: string | undefined): KeyObject {
  const field = 'privateKey'
  const pemText = asPem(text)
  const attempts: PrivateKeyInput[] = []
  if (pemText !== undefined) {
    const pem = readPem(pemText, field, PRIVATE_LABELS)
    const encrypted = pem.label === 'ENCRYPTED PRIVATE KEY' || pem.legacyEncrypted
    if (pem.label === 'ENCRYPTED PRIVATE KEY') checkEncryption(pem.der, field)
    checkPassphrase(encrypted, passphrase, field)
    attempts.push({ key: pem.text, format: 'pem', passphrase })
  } else {
    const der = asDer(text, field)
    const encrypted = isEncryptedPkcs8(der)
    if (encrypted) checkEncryption(der, field)
    checkPassphrase(encrypted, passphrase, field)
    if (encrypted) {
      attempts.push({ key: der, format: 'der', type: 'pkcs8', passphrase })
    } else {
      attempts.push(...(['pkcs8', 'pkcs1', 'sec1'] as const).map(type => ({ key: der, format: 'der' as const, type })))
    }
  }
  for (const attempt of attempts) {
    try {
      return createPrivateKey(attempt)
    } catch {
      // A wrong passphrase fails the padding or, by chance, the ASN.1 that follows.
      if (passphrase !== undefined) throw new Refused(`${field} could not be decrypted with the privateKeyPassword given`)
    }
  }
  throw new Refused(`${field} is not a readable private key (PKCS#8, PKCS#1 or SEC1)`)
}

function readPublic (text: string): KeyObject {
  const field = 'publicKey'
  const pemText = asPem(text)
  let attempts: PublicKeyInput[]
  if (pemText !== undefined) {
    const pem = readPem(pemText, field, Object.keys(PUBLIC_LABELS))
    attempts = [{ key: pem.der, format: 'der', type: PUBLIC_LABELS[pem.label] }]
  } else {
    const der = asDer(text, field)
    attempts = (['spki', 'pkcs1'] as const).map(type => ({ key: der, format: 'der' as const, type }))
  }
  for (const attempt of attempts) {
    try {
      return createPublicKey(attempt)
    } catch {}
  }
  throw new Refused(`${field} is not a readable public key (SPKI or PKCS#1)`)
}

function keyTypeOf (key: KeyObject, field: string): StoredKeyType {
  const type = key.asymmetricKeyType ?? 'unknown'
  const keyType = KEY_TYPES[type]
  if (keyType !== undefined) return keyType
  if (type === 'rsa-pss') throw new Refused(`${field} is an RSASSA-PSS-restricted key (rsa-pss), which a JWK cannot carry; use a plain RSA key`)
  throw new Refused(`${field} is a ${type} key; supported: RSA, EC (P-256, P-384, P-521, secp256k1), Ed25519, Ed448, X25519, X448`)
}

/** The same vetting an imported JWK gets: supported curve, RSA size, sound public point, a private key that fits. */
function vet (key: KeyObject, field: string): void {
  let jwk: unknown
  try {
    jwk = key.export({ format: 'jwk' })
  } catch {
    throw new Refused(`${field} uses a curve a JWK cannot carry; supported: P-256, P-384, P-521, secp256k1`)
  }
  const inspected = inspectJwk(jwk)
  if (!inspected.ok) throw new Refused(`${field}: ${inspected.reason}`)
}

/**
 * One environment's key read, decrypted, vetted and normalised: the public
 * part as SPKI, the private part (when given) as unencrypted PKCS#8. Both
 * given: they must be one key pair. Runs in a worker: RSA checks and PBKDF2 cost.
 */
export function readKeyPair (input: KeyPairInput): ReadKeyResult {
  try {
    const hasPrivate = input.privateKey !== undefined && input.privateKey.trim() !== ''
    const hasPublic = input.publicKey !== undefined && input.publicKey.trim() !== ''
    if (!hasPrivate && !hasPublic) throw new Refused('publicKey or privateKey value can not be empty!')
    if (!hasPrivate && input.privateKeyPassword !== undefined) throw new Refused('privateKeyPassword is only used with a privateKey')
    const privateKey = hasPrivate ? readPrivate(input.privateKey!, input.privateKeyPassword) : undefined
    const publicKey = hasPublic ? readPublic(input.publicKey!) : undefined
    const key = privateKey ?? publicKey!
    const keyType = keyTypeOf(key, hasPrivate ? 'privateKey' : 'publicKey')
    if (publicKey !== undefined) keyTypeOf(publicKey, 'publicKey')
    vet(key, hasPrivate ? 'privateKey' : 'publicKey')
    const spki = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' }).toString('base64')
    if (publicKey !== undefined && publicKey.export({ type: 'spki', format: 'der' }).toString('base64') !== spki) {
      throw new Refused('publicKey and privateKey are not one key pair')
    }
    return { ok: true, key: { keyType, spki, ...(privateKey === undefined ? {} : { pkcs8: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') }) } }
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message }
    throw err
  }
}
