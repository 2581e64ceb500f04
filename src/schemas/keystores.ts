import { Type, type Static } from '@sinclair/typebox'
import { Defaulted, Description, NOT_BLANK_NO_CONTROL_CHARS } from './common.js'

const closed = { additionalProperties: false } as const
// A keystore of a few keys and their chains is a few KiB; 256 KiB of base64 leaves room for long chains.
export const KEYSTORE_FILE_LIMIT = 256 * 1024

export const KeystoreName = Type.String({
  maxLength: 255,
  pattern: NOT_BLANK_NO_CONTROL_CHARS,
  'x-empty-message': 'Keystore name can not be empty!',
  'x-expected': 'printable text of 1 to 255 characters',
  examples: ['my-keystore']
})

/** One environment's keystore: the file as base64 and the passwords that open it (used once, never stored). */
export const KeystoreEnvironment = Type.Object({
  environmentName: Type.String({ maxLength: 255, 'x-empty-message': 'environmentName value can not be empty!', description: 'an existing environment' }),
  type: Type.Union([Type.Literal('PKCS12'), Type.Literal('JKS')], { description: 'the file\'s format' }),
  file: Type.String({ maxLength: KEYSTORE_FILE_LIMIT, 'x-secret': true, 'x-empty-message': 'file value can not be empty!', description: 'the keystore file, base64' }),
  password: Type.String({ maxLength: 1024, 'x-secret': true, description: 'the store password; used to open the file, never stored' }),
  keyPassword: Type.Optional(Type.String({ maxLength: 1024, 'x-secret': true, description: 'JKS: the keys\' own password (keytool -keypass), when it is not the store\'s' }))
}, closed)

const Environments = Type.Array(KeystoreEnvironment, { maxItems: 64, description: 'one entry per environment the keystore is deployed to' })
const example = {
  name: 'my-keystore',
  description: 'Keystore for API security',
  keyStoreEnvironmentList: [{ environmentName: 'production', type: 'PKCS12', file: 'base64-encoded-keystore-content', password: 'store-password' }]
}

/** POST …/keystores/ */
export const CreateKeystoreBody = Type.Object({
  name: KeystoreName,
  description: Type.Optional(Description),
  keyStoreEnvironmentList: Environments
}, { ...closed, examples: [example] })
export type CreateKeystoreBody = Static<typeof CreateKeystoreBody>

/** PUT …/keystores/{keystoreName}/: the complete keystore again; a name in the body renames it. */
export const UpdateKeystoreBody = Type.Object({
  name: Type.Optional(KeystoreName),
  description: Type.Optional(Description),
  keyStoreEnvironmentList: Environments
}, { ...closed, examples: [example] })
export type UpdateKeystoreBody = Static<typeof UpdateKeystoreBody>

export const KeystoreParams = Type.Object({ projectName: Type.String(), keystoreName: Type.String({ maxLength: 255 * 9 }) })

export const KeystoreQuery = Type.Object({
  withFile: Defaulted(Type.Boolean({ default: true, description: 'the keystore file as sent, base64, per environment; false leaves it out' }))
})
