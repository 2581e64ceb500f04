import { Type, type Static } from '@sinclair/typebox'
import { Kid } from './common.js'

/** ISO 8601 durations in days, hours, minutes and seconds: `P30D`, `PT12H`, `P1DT6H`. */
export const DURATION_PATTERN = '^P(?=\\d|T\\d)(?:\\d{1,5}D)?(?:T(?=\\d)(?:\\d{1,6}H)?(?:\\d{1,8}M)?(?:\\d{1,9}S)?)?$'

const Duration = (description: string) => Type.String({
  maxLength: 40,
  pattern: DURATION_PATTERN,
  description,
  examples: ['P30D'],
  'x-expected': 'an ISO 8601 duration in days, hours, minutes and seconds, such as P30D or PT12H'
})

export const RotationPolicyBody = Type.Object({
  period: Duration('how long each version is the current one; at least PT1M'),
  verificationTtl: Type.Optional(Duration('how long a retired version stays published, so the tokens it signed still verify; default P7D')),
  publishAhead: Type.Optional(Duration('how long before it becomes current the next version is published; default P1D, or half the period if that is shorter')),
  retain: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'retired versions kept; older ones are destroyed once they stop verifying. Default: all kept' }))
}, { additionalProperties: false, title: 'Rotation policy' })
export type RotationPolicyBody = Static<typeof RotationPolicyBody>

export const RotateBody = Type.Object({
  kid: Type.Optional(Kid),
  verificationTtl: Type.Optional(Duration('how long the version it replaces stays published; default the policy\'s, else P7D'))
}, { additionalProperties: false, examples: [{ verificationTtl: 'P7D' }, { kid: 'rsa-key-2' }] })
export type RotateBody = Static<typeof RotateBody>

export const VersionParams = Type.Object({
  projectName: Type.String({ maxLength: 1024 }),
  name: Type.String({ maxLength: 1024 }),
  kid: Type.String({ maxLength: 1024 })
})
