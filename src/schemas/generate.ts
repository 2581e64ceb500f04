import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox'
import './formats.js'
import { Defaulted, Description, JwkName, Kid } from './common.js'
import { RotationPolicyBody } from './rotation.js'

/** A closed set of literal values; the error describer lists them back to the client. */
function oneOf<const T extends Array<string | number>> (values: T, options: Record<string, unknown> = {}): TUnion<{ [K in keyof T]: TLiteral<T[K]> }> {
  return Type.Union(values.map(value => Type.Literal(value)), options) as never
}

export const KEY_TYPES = ['RSA', 'EC', 'OCT', 'OKP'] as const
export const KEY_ID_TYPES = ['TIMESTAMP', 'ISO_DATE', 'SHA256', 'SHA1', 'THUMBPRINT', 'NONE'] as const

const DateTime = (description: string) => Type.String({ format: 'date-time', description, examples: ['2026-01-01T00:00:00Z'] })

/** Members every type's parameter object has (docs/API.md, "Validation": every type takes them). */
const commonParameters = {
  keyUseType: Type.Optional(oneOf(['SIGNATURE', 'ENCRYPTION'], {
    description: 'JWK `use`: sig or enc. Default SIGNATURE (ENCRYPTION for X25519/X448, or whatever `algorithm` implies).'
  })),
  algorithm: Type.Optional(Type.String({
    maxLength: 64,
    description: 'Apinizer or JOSE algorithm name; the JWK carries the JOSE name. Absent: no `alg` member.'
  })),
  keyIdType: Type.Optional(oneOf([...KEY_ID_TYPES], { description: 'How to derive the kid when none is given. Default TIMESTAMP.' })),
  notBeforeTime: Type.Optional(DateTime('RFC 3339; default now')),
  expirationTime: Type.Optional(DateTime('RFC 3339; default notBeforeTime + 1 year')),
  rotation: Type.Optional(RotationPolicyBody)
}

const closed = { additionalProperties: false } as const

export const RsaParameters = Type.Object({
  keySize: oneOf([2048, 3072, 4096]),
  ...commonParameters
}, { ...closed, title: 'RSA parameters' })

export const EcParameters = Type.Object({
  curveType: oneOf(['P256', 'P384', 'P521', 'SECP256K1']),
  ...commonParameters
}, { ...closed, title: 'EC parameters' })

export const OctParameters = Type.Object({
  keySize: oneOf([128, 192, 256, 384, 512]),
  passwordSaltLength: Defaulted(Type.Integer({ minimum: 8, maximum: 1024, default: 8, description: 'PBES2 salt length in bytes' })),
  passwordIterationCount: Defaulted(Type.Integer({ minimum: 1000, maximum: 10_000_000, default: 1000, description: 'PBES2 iteration count' })),
  ...commonParameters
}, { ...closed, title: 'OCT parameters' })

export const OkpParameters = Type.Object({
  curveType: oneOf(['ED25519', 'X25519', 'ED448', 'X448']),
  ...commonParameters
}, { ...closed, title: 'OKP parameters' })

/**
 * The generate body. All four parameter objects are optional here; that the
 * one matching `type` is present, and no other, is checked by the generation
 * plan, which can say it in words a client understands.
 */
export const GenerateJwkBody = Type.Object({
  name: JwkName,
  description: Type.Optional(Description),
  type: oneOf([...KEY_TYPES], { 'x-empty-message': 'JWK type can not be empty!' }),
  kid: Type.Optional(Kid),
  rsa: Type.Optional(RsaParameters),
  ec: Type.Optional(EcParameters),
  oct: Type.Optional(OctParameters),
  okp: Type.Optional(OkpParameters)
}, {
  ...closed,
  // The four full request bodies of the Apinizer Generate JWK document.
  examples: [
    { name: 'generated-rsa-jwk', description: 'Auto-generated RSA JWK', type: 'RSA', kid: 'rsa-key-1', rsa: { keySize: 2048, keyUseType: 'SIGNATURE', algorithm: 'RSA256', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' } },
    { name: 'generated-ec-jwk', description: 'Auto-generated EC JWK', type: 'EC', kid: 'ec-key-1', ec: { curveType: 'P256', keyUseType: 'SIGNATURE', algorithm: 'ES256', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' } },
    { name: 'generated-oct-jwk', description: 'Auto-generated symmetric key', type: 'OCT', kid: 'oct-key-1', oct: { keySize: 256, keyUseType: 'SIGNATURE', algorithm: 'HS256', keyIdType: 'TIMESTAMP', passwordSaltLength: 8, passwordIterationCount: 1000, notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' } },
    { name: 'generated-okp-jwk', description: 'Auto-generated OKP JWK', type: 'OKP', kid: 'okp-key-1', okp: { curveType: 'ED25519', keyUseType: 'SIGNATURE', algorithm: 'EdDSA', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' } }
  ]
})

export type GenerateJwkBody = Static<typeof GenerateJwkBody>
export type KeyParameters = Static<typeof RsaParameters> | Static<typeof EcParameters> | Static<typeof OctParameters> | Static<typeof OkpParameters>
