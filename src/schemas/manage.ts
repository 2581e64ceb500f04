import { RotationPolicyBody } from './rotation.js'
import { Type, type Static } from '@sinclair/typebox'
import { Description, JwkName, Kid } from './common.js'
import { KEY_TYPES } from './generate.js'

const closed = { additionalProperties: false } as const

/** PUT …/jwks/{name}/: what may change about a key. Its material never does. */
export const UpdateJwkBody = Type.Object({
  name: Type.Optional(JwkName),
  description: Type.Optional(Description),
  rotation: Type.Optional(Type.Union([RotationPolicyBody, Type.Null()], { description: 'a new rotation policy for a generated key, or null to stop rotating on a schedule' }))
}, { ...closed, examples: [{ name: 'renamed-rsa-jwk', description: 'Signs the partner API tokens' }] })
export type UpdateJwkBody = Static<typeof UpdateJwkBody>

export const SOURCE_TYPES = ['COPY_PASTE', 'URL', 'CERTIFICATE', 'PUBLIC_KEY', 'PRIVATE_KEY', 'KEYSTORE'] as const

const ResourceName = (what: string) => Type.String({ maxLength: 255, description: `the ${what}'s name` })
export const UseType = Type.Union([Type.Literal('SIGNATURE'), Type.Literal('ENCRYPTION')], { description: 'the JWK\'s use' })
const Algorithm = Type.String({ maxLength: 64, description: 'Apinizer or JOSE algorithm name that fits the key and the use' })

const JwkStr = Type.String({ maxLength: 60_000, 'x-secret': true, description: 'COPY_PASTE: a JWK or a JWK Set, as JSON text' })
const Url = Type.String({ maxLength: 2048, description: 'URL: an http(s) address serving a JWK Set or a JWK' })
const UrlOptions = {
  urlOptionConnectTimeout: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, description: 'ms to establish the connection; default 5000' })),
  urlOptionReadTimeout: Type.Optional(Type.Integer({ minimum: 100, maximum: 300_000, description: 'ms from connection to the whole answer; default 10000' })),
  urlOptionSizeLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 * 1024 * 1024, description: 'largest answer in bytes; default 1048576 (1 MiB), at most 4 MiB' }))
}

/** POST …/jwks/: a key from an existing JWK or JWK Set, pasted or fetched. */
export const CreateJwkBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  sourceType: Type.String({ maxLength: 32, 'x-empty-message': 'Source type is required!', description: 'COPY_PASTE, URL, CERTIFICATE, PUBLIC_KEY, PRIVATE_KEY or KEYSTORE' }),
  type: Type.Optional(Type.Union(KEY_TYPES.map(type => Type.Literal(type)), { description: 'if given, the key must be of this type' })),
  kid: Type.Optional(Kid),
  jwkStr: Type.Optional(JwkStr),
  url: Type.Optional(Url),
  ...UrlOptions,
  certificateName: Type.Optional(ResourceName('CERTIFICATE: certificate')),
  keyName: Type.Optional(ResourceName('PUBLIC_KEY, PRIVATE_KEY: key')),
  keyStoreName: Type.Optional(ResourceName('KEYSTORE: keystore')),
  aliasName: Type.Optional(ResourceName('KEYSTORE: keystore alias')),
  environmentName: Type.Optional(ResourceName('CERTIFICATE, PUBLIC_KEY, PRIVATE_KEY, KEYSTORE: environment whose copy of the source is read')),
  useType: Type.Optional(UseType),
  algorithm: Type.Optional(Algorithm)
}, {
  ...closed,
  examples: [
    { name: 'partner-key', sourceType: 'COPY_PASTE', jwkStr: '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","use":"sig","kid":"partner-1"}' },
    { name: 'idp-key', sourceType: 'URL', url: 'https://idp.example.com/.well-known/jwks.json', kid: 'idp-2026' }
  ]
})
export type CreateJwkBody = Static<typeof CreateJwkBody>

/** POST …/jwks/parse-from-certificate: Create with source type CERTIFICATE, every field required. */
export const ParseFromCertificateBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  certificateName: ResourceName('certificate'),
  environmentName: ResourceName('environment'),
  useType: UseType,
  algorithm: Algorithm
}, { ...closed, examples: [{ name: 'my-jwk', description: 'JWK from certificate', certificateName: 'my-certificate', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }] })
export type ParseFromCertificateBody = Static<typeof ParseFromCertificateBody>

/** POST …/jwks/parse-from-key: Create with source type PRIVATE_KEY when the key's copy has a private part, PUBLIC_KEY when not. */
export const ParseFromKeyBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  keyName: ResourceName('key'),
  environmentName: ResourceName('environment'),
  useType: UseType,
  algorithm: Algorithm
}, { ...closed, examples: [{ name: 'my-jwk', description: 'JWK from key', keyName: 'my-key', environmentName: 'production', useType: 'SIGNATURE', algorithm: 'RS256' }] })
export type ParseFromKeyBody = Static<typeof ParseFromKeyBody>

/** POST …/jwks/parse-from-keystore: Create with source type KEYSTORE, every field required. */
export const ParseFromKeystoreBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  keyStoreName: ResourceName('keystore'),
  environmentName: ResourceName('environment'),
  aliasName: ResourceName('keystore alias'),
  useType: UseType,
  algorithm: Algorithm
}, { ...closed, examples: [{ name: 'my-jwk', description: 'JWK from keystore', keyStoreName: 'my-keystore', environmentName: 'production', aliasName: 'my-alias', useType: 'SIGNATURE', algorithm: 'RS256' }] })

/** POST …/jwks/parse-from-clipboard: Create with source type COPY_PASTE. */
export const ParseFromClipboardBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  jwkStr: Type.String({ ...JwkStr, 'x-empty-message': 'JWK string is required for COPY_PASTE source type!' }),
  kid: Type.Optional(Kid)
}, { ...closed, examples: [{ name: 'my-jwk', description: 'JWK from clipboard', jwkStr: '{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}' }] })
export type ParseFromClipboardBody = Static<typeof ParseFromClipboardBody>

/** POST …/jwks/parse-from-url: Create with source type URL. */
export const ParseFromUrlBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  url: Type.String({ ...Url, 'x-empty-message': 'URL is required for URL source type!' }),
  ...UrlOptions,
  kid: Type.Optional(Kid)
}, { ...closed, examples: [{ name: 'my-jwk', description: 'JWK from URL', url: 'https://example.com/.well-known/jwks.json', kid: 'key-id-1' }] })
export type ParseFromUrlBody = Static<typeof ParseFromUrlBody>

/** POST …/jwks/import-file: the multipart form's fields, checked like a body (the file as text). */
export const ImportJwkFileForm = Type.Object({
  jwkName: JwkName,
  kid: Kid,
  jwkFile: Type.String({ maxLength: 60_000, 'x-secret': true, description: 'a JWK or a JWK Set document' }),
  jwkDescription: Type.Optional(Description)
}, closed)
