import { Type, type Static, type TSchema } from '@sinclair/typebox'

/**
 * A member the client may leave out and the handler always sees: optional in
 * the JSON schema (and the OpenAPI document), filled from its `default` by
 * the validator, so its static type is the member itself.
 */
export function Defaulted<T extends TSchema> (schema: T): T {
  if (schema.default === undefined) throw new TypeError('Defaulted needs a schema with a default')
  return Type.Optional(schema) as unknown as T
}

/**
 * Schema keywords jwkd adds for its own error messages (OpenAPI allows `x-`):
 * - `x-empty-message`: the exact message when the value is missing, empty or blank;
 * - `x-expected`: how to describe a valid value when the schema alone says it badly;
 * - `x-secret`: never quote the value back in an error.
 */
export const NOT_BLANK_NO_CONTROL_CHARS = '^(?=[^\\u0000-\\u001F\\u007F]*\\S)[^\\u0000-\\u001F\\u007F]*$'

const printableLine = new RegExp(NOT_BLANK_NO_CONTROL_CHARS)

/** The same rule the schemas apply to names and kids, for values that arrive inside other documents. */
export const isPrintableText = (value: string, maxLength: number): boolean =>
  value.length <= maxLength && value.isWellFormed() && printableLine.test(value)

/** Project and environment names may appear in paths: docs/API.md, "Authentication and authorization". */
export const RESOURCE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
export const isResourceName = (name: string): boolean => new RegExp(RESOURCE_NAME_PATTERN).test(name)

export const JwkName = Type.String({
  maxLength: 255,
  pattern: NOT_BLANK_NO_CONTROL_CHARS,
  'x-empty-message': 'JWK name can not be empty!',
  'x-expected': 'printable text of 1 to 255 characters',
  examples: ['generated-rsa-jwk']
})

export const Description = Type.String({
  maxLength: 1024,
  'x-expected': 'text of at most 1024 characters'
})

export const Kid = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: NOT_BLANK_NO_CONTROL_CHARS,
  'x-expected': 'printable text of 1 to 255 characters'
})

export const ErrorBody = Type.Object({
  error: Type.String({ examples: ['bad_request'] }),
  error_description: Type.String({ examples: ['JWK name can not be empty!'] })
}, { title: 'Error', additionalProperties: false })

export const ProjectParams = Type.Object({
  projectName: Type.String({ maxLength: 1024 })
})

export const JwkParams = Type.Object({
  projectName: Type.String({ maxLength: 1024 }),
  name: Type.String({ maxLength: 1024 })
})
export type JwkParams = Static<typeof JwkParams>

export const EnvironmentResult = Type.Object({
  environmentName: Type.String(),
  success: Type.Boolean(),
  message: Type.String()
})

export const DeploymentResult = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  environmentResults: Type.Array(EnvironmentResult)
})
export type DeploymentResult = Static<typeof DeploymentResult>

export const DeploymentResponse = Type.Object({
  success: Type.Boolean(),
  deploymentResult: DeploymentResult
}, {
  examples: [{
    success: true,
    deploymentResult: {
      success: true,
      message: 'Deployment completed successfully',
      environmentResults: [{ environmentName: 'production', success: true, message: 'Deployed successfully' }]
    }
  }]
})

/** PUT of a JWK source (a certificate, a key): Apinizer's options for the JWKs made from it. */
export const SourceUpdateQuery = Type.Object({
  updateReferencedJwks: Type.Optional(Type.Boolean({ description: 'not supported: JWKs made from the source keep their material (docs/API.md, "Keys")' })),
  updateScope: Type.Optional(Type.Union([Type.Literal('SAME_PROJECT'), Type.Literal('ALL_PROJECTS')]))
})
