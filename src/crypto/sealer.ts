import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16

export class UnsealError extends Error {
  constructor () {
    super('sealed data could not be opened: wrong master key, or the blob belongs to another record')
    this.name = 'UnsealError'
  }
}

/**
 * AES-256-GCM envelope for private key material. Each seal draws a fresh
 * nonce; the additional data names the record the blob belongs to, so a blob
 * copied onto another row fails authentication instead of decrypting.
 * Format: `v1.<base64url(nonce | ciphertext | tag)>`.
 */
export class Sealer {
  readonly #key: Buffer

  constructor (key: Buffer) {
    if (key.length !== 32) throw new RangeError('the master key must be 32 bytes')
    this.#key = Buffer.from(key)
  }

  seal (plaintext: Buffer | string, additionalData: string): string {
    const nonce = randomBytes(NONCE_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce)
    cipher.setAAD(Buffer.from(additionalData, 'utf8'))
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${Buffer.concat([nonce, body]).toString('base64url')}`
  }

  open (blob: string, additionalData: string): Buffer {
    const [version, payload] = blob.split('.')
    if (version !== VERSION || payload === undefined) throw new UnsealError()
    const raw = Buffer.from(payload, 'base64url')
    if (raw.length < NONCE_BYTES + TAG_BYTES) throw new UnsealError()
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, NONCE_BYTES))
    decipher.setAAD(Buffer.from(additionalData, 'utf8'))
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
    try {
      return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()])
    } catch {
      throw new UnsealError()
    }
  }

  sealJson (value: unknown, additionalData: string): string {
    return this.seal(JSON.stringify(value), additionalData)
  }

  openJson<T> (blob: string, additionalData: string): T {
    return JSON.parse(this.open(blob, additionalData).toString('utf8')) as T
  }
}

/** Additional data for a JWK's private members: the record's immutable id. */
export const jwkAdditionalData = (jwkId: string): string => `jwkd/jwk/${jwkId}`
/** A version other than the current one: its blob cannot be passed off as another version's, or as the key's own. */
export const jwkVersionAdditionalData = (jwkId: string, version: number): string => `jwkd/jwk/${jwkId}/version/${version}`

/** Additional data for one environment's private key of a stored key: the key's id and the environment's. */
export const keyAdditionalData = (keyId: string, environmentId: string): string => `jwkd/key/${keyId}/${environmentId}`
export const keystoreAdditionalData = (keystoreId: string, environmentId: string): string => `jwkd/keystore/${keystoreId}/${environmentId}`
