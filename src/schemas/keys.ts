import { Type, type Static } from '@sinclair/typebox'
import { Defaulted, Description, NOT_BLANK_NO_CONTROL_CHARS } from './common.js'

const closed = { additionalProperties: false } as const
// A PEM of an RSA-8192 private key is about 6.4 KiB; base64 of it about 8.5 KiB.
const KEY_TEXT_LIMIT = 16 * 1024

export const KeyName = Type.String({
  maxLength: 255,
  pattern: NOT_BLANK_NO_CONTROL_CHARS,
  'x-empty-message': 'Key name can not be empty!',
  'x-expected': 'printable text of 1 to 255 characters',
  examples: ['my-key']
})

/** One environment's key: PEM text, or base64 of DER (SPKI / PKCS#1 public; PKCS#8, encrypted PKCS#8, PKCS#1, SEC1 private). */
export const KeyEnvironment = Type.Object({
  environmentName: Type.String({ maxLength: 255, 'x-empty-message': 'environmentName value can not be empty!', description: 'an existing environment' }),
  publicKey: Type.Optional(Type.String({ maxLength: KEY_TEXT_LIMIT, description: 'PEM, or base64 of DER: SPKI or PKCS#1' })),
  privateKey: Type.Optional(Type.String({ maxLength: KEY_TEXT_LIMIT, 'x-secret': true, description: 'PEM, or base64 of DER: PKCS#8 (encrypted or not), PKCS#1 or SEC1' })),
  privateKeyPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, 'x-secret': true, description: 'the passphrase of an encrypted privateKey; used once, never stored' }))
}, closed)

const KeyType = Type.Union([Type.Literal('RSA'), Type.Literal('EC'), Type.Literal('OKP')], { description: 'if given, every environment\'s key must be of this type' })
const Environments = Type.Array(KeyEnvironment, { maxItems: 64, description: 'one entry per environment the key is deployed to' })

const example = {
  name: 'my-key',
  description: 'Key for API encryption',
  keyType: 'RSA',
  cryptoKeyInfoEnvironmentList: [{ environmentName: 'production', publicKey: 'base64-encoded-public-key', privateKey: 'base64-encoded-private-key' }]
}

/** POST …/keys/: Apinizer's CryptoKeyInfo. */
export const CreateKeyBody = Type.Object({
  name: KeyName,
  description: Type.Optional(Description),
  keyType: Type.Optional(KeyType),
  cryptoKeyInfoEnvironmentList: Environments
}, { ...closed, examples: [example] })
export type CreateKeyBody = Static<typeof CreateKeyBody>

/** PUT …/keys/{keyName}/: the complete key again; a name in the body must be the path's. */
export const UpdateKeyBody = Type.Object({
  name: Type.Optional(KeyName),
  description: Type.Optional(Description),
  keyType: Type.Optional(KeyType),
  cryptoKeyInfoEnvironmentList: Environments
}, { ...closed, examples: [example] })
export type UpdateKeyBody = Static<typeof UpdateKeyBody>

export const KeyParams = Type.Object({ projectName: Type.String(), keyName: Type.String({ maxLength: 255 * 9 }) })

export const KeyQuery = Type.Object({
  publicOnly: Defaulted(Type.Boolean({ default: false, description: 'leave the private keys out' }))
})
