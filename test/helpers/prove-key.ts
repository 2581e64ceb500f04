import {
  constants, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, privateDecrypt,
  publicEncrypt, randomBytes, sign, timingSafeEqual, verify, type JsonWebKeyInput, type KeyObject
} from 'node:crypto'
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify, importJWK } from 'jose'

/**
 * Proves a key pair (or secret) read back from jwkd really works, using
 * libraries other than jwkd's own code: jose where it has the algorithm,
 * Node's crypto where jose does not (ES256K, Ed448, X448, RSA1_5, ECDH-1PU).
 * Throws when the key fails; resolves with the name of the proof it ran.
 */
type Jwk = Record<string, unknown> & { kty: string }

const payload = new TextEncoder().encode('jwkd proves this key works')

const nodePrivate = (jwk: Jwk): KeyObject => createPrivateKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput)
const nodePublic = (jwk: Jwk): KeyObject => createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput)

async function joseSign (alg: string, privateJwk: Jwk, publicJwk: Jwk): Promise<string> {
  const jws = await new CompactSign(payload).setProtectedHeader({ alg }).sign(await importJWK(privateJwk, alg))
  const { payload: verified } = await compactVerify(jws, await importJWK(publicJwk, alg))
  if (Buffer.compare(Buffer.from(verified), Buffer.from(payload)) !== 0) throw new Error('payload changed')
  // and a tampered signature must fail
  const tampered = jws.slice(0, -4) + (jws.endsWith('AAAA') ? 'BBBB' : 'AAAA')
  let rejected = false
  try {
    await compactVerify(tampered, await importJWK(publicJwk, alg))
  } catch {
    rejected = true
  }
  if (!rejected) throw new Error('a tampered signature verified')
  return `jose ${alg} sign/verify`
}

function nodeSign (digest: string | null, privateJwk: Jwk, publicJwk: Jwk, label: string): string {
  const signature = sign(digest, payload, { key: nodePrivate(privateJwk), dsaEncoding: 'ieee-p1363' })
  if (!verify(digest, payload, { key: nodePublic(publicJwk), dsaEncoding: 'ieee-p1363' }, signature)) throw new Error(`${label} did not verify`)
  if (verify(digest, Buffer.from('another message'), { key: nodePublic(publicJwk), dsaEncoding: 'ieee-p1363' }, signature)) throw new Error(`${label} verified the wrong message`)
  return `node ${label} sign/verify`
}

async function joseEncrypt (alg: string, enc: string, privateJwk: Jwk, publicJwk: Jwk, options: { p2c?: number, p2sLength?: number } = {}): Promise<string> {
  const builder = new CompactEncrypt(payload).setProtectedHeader({ alg, enc })
  if (options.p2c !== undefined) builder.setKeyManagementParameters({ p2c: options.p2c, p2s: randomBytes(options.p2sLength ?? 8) })
  const jwe = await builder.encrypt(await importJWK(publicJwk, alg))
  const { plaintext } = await compactDecrypt(jwe, await importJWK(privateJwk, alg), { maxPBES2Count: options.p2c ?? 10_000, keyManagementAlgorithms: [alg] })
  if (Buffer.compare(Buffer.from(plaintext), Buffer.from(payload)) !== 0) throw new Error('plaintext changed')
  return `jose ${alg} ${enc} encrypt/decrypt`
}

/** RSA1_5: jose dropped it and Node refuses PKCS#1 v1.5 decryption, so undo the padding by hand (RFC 8017 §7.2.2). */
function rsa15 (privateJwk: Jwk, publicJwk: Jwk): string {
  const ciphertext = publicEncrypt({ key: nodePublic(publicJwk), padding: constants.RSA_PKCS1_PADDING }, payload)
  const block = privateDecrypt({ key: nodePrivate(privateJwk), padding: constants.RSA_NO_PADDING }, ciphertext)
  const separator = block.indexOf(0, 2)
  if (block[0] !== 0 || block[1] !== 2 || separator < 10) throw new Error('bad PKCS#1 v1.5 block')
  if (Buffer.compare(block.subarray(separator + 1), Buffer.from(payload)) !== 0) throw new Error('RSA1_5 plaintext changed')
  return 'node RSA1_5 encrypt/decrypt'
}

/** Key agreement in both directions with a fresh peer on the same curve must give one shared secret. */
function agreement (privateJwk: Jwk, publicJwk: Jwk, label: string): string {
  const ours = nodePrivate(privateJwk)
  const peer = ours.asymmetricKeyType === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: String(privateJwk.crv) })
    : generateKeyPairSync(String(privateJwk.crv).toLowerCase() as 'x25519')
  const a = diffieHellman({ privateKey: ours, publicKey: peer.publicKey })
  const b = diffieHellman({ privateKey: peer.privateKey, publicKey: nodePublic(publicJwk) })
  if (a.length === 0 || !timingSafeEqual(a, b)) throw new Error('shared secrets differ')
  return `node ${label} key agreement`
}

function hmac (privateJwk: Jwk): string {
  const key = Buffer.from(String(privateJwk.k), 'base64url')
  const first = createHmac('sha256', key).update(payload).digest()
  const second = createHmac('sha256', key).update(payload).digest()
  if (!timingSafeEqual(first, second)) throw new Error('HMAC not reproducible')
  return 'node HMAC-SHA256'
}

const EC_SIG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }
const DIR_ENC: Record<number, string> = { 128: 'A128GCM', 192: 'A192GCM', 256: 'A256GCM', 384: 'A192CBC-HS384', 512: 'A256CBC-HS512' }

export interface ProveOptions {
  passwordIterationCount?: number
  passwordSaltLength?: number
}

export async function proveKeyWorks (privateJwk: Jwk, publicJwk: Jwk, options: ProveOptions = {}): Promise<string> {
  const alg = privateJwk.alg as string | undefined
  const crv = privateJwk.crv as string | undefined
  const octBits = privateJwk.kty === 'oct' ? Buffer.from(String(privateJwk.k), 'base64url').length * 8 : 0

  if (privateJwk.use === 'sig') {
    if (crv === 'secp256k1') return nodeSign('sha256', privateJwk, publicJwk, 'ES256K')
    if (crv === 'Ed448') return nodeSign(null, privateJwk, publicJwk, 'Ed448')
    if (alg !== undefined) return await joseSign(alg, privateJwk, publicJwk)
    if (privateJwk.kty === 'RSA') return await joseSign('RS256', privateJwk, publicJwk)
    if (privateJwk.kty === 'EC') return await joseSign(EC_SIG[crv as string] as string, privateJwk, publicJwk)
    if (crv === 'Ed25519') return await joseSign('EdDSA', privateJwk, publicJwk)
    return octBits >= 256 ? await joseSign('HS256', privateJwk, privateJwk) : hmac(privateJwk)
  }

  // encryption keys
  if (alg === 'RSA1_5') return rsa15(privateJwk, publicJwk)
  if (alg?.startsWith('ECDH-1PU') === true) return agreement(privateJwk, publicJwk, alg)
  if (crv === 'X448') return agreement(privateJwk, publicJwk, `X448 ${alg ?? ''}`.trim())
  if (privateJwk.kty === 'oct') {
    if (alg?.startsWith('PBES2') === true) {
      return await joseEncrypt(alg, 'A256GCM', privateJwk, privateJwk, { p2c: options.passwordIterationCount, p2sLength: options.passwordSaltLength })
    }
    const chosen = alg ?? (octBits <= 256 ? `A${octBits}KW` : 'dir')
    return await joseEncrypt(chosen, chosen === 'dir' ? DIR_ENC[octBits] as string : 'A256GCM', privateJwk, privateJwk)
  }
  const chosen = alg ?? (privateJwk.kty === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES')
  return await joseEncrypt(chosen, 'A256GCM', privateJwk, publicJwk)
}
