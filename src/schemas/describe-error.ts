import type { TSchema } from '@sinclair/typebox'
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors'

type Schema = TSchema & Record<string, unknown>

/** `/rsa/keySize` → `rsa.keySize`; TypeBox escapes `~` and `/` per RFC 6901. */
function fieldName (path: string): string {
  return path.split('/').slice(1).map(part => part.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
}

function show (value: unknown): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value)
    return `${text} (a string)`
  }
  if (typeof value === 'number') return String(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return String(value)
}

function isBlank (value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && value.trim() === '')
}

/** What a valid value looks like, read off the schema itself. */
export function describeExpected (schema: Schema): string {
  if (typeof schema['x-expected'] === 'string') return schema['x-expected']
  if (Array.isArray(schema.anyOf) && schema.anyOf.every((member: Schema) => 'const' in member)) {
    return 'one of ' + schema.anyOf.map((member: Schema) => String(member.const)).join(', ')
  }
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const kind = schema.type === 'integer' ? 'an integer' : 'a number'
      if (schema.minimum !== undefined && schema.maximum !== undefined) return `${kind} from ${schema.minimum} to ${schema.maximum}`
      return kind
    }
    case 'string':
      if (schema.format === 'date-time') return 'an RFC 3339 date-time such as 2026-01-01T00:00:00Z'
      if (schema.maxLength !== undefined) return `a string of at most ${schema.maxLength} characters`
      return 'a string'
    case 'boolean': return 'true or false'
    case 'object': return 'an object'
    case 'array': return 'an array'
    default: return 'a valid value'
  }
}

function describeOne (error: ValueError): string {
  const schema = error.schema as Schema
  const field = fieldName(error.path)
  if (field === '') return 'Request body must be a JSON object'
  if (error.type === ValueErrorType.ObjectAdditionalProperties) return `Unknown field: ${JSON.stringify(field)}`
  if (typeof schema['x-empty-message'] === 'string' && isBlank(error.value)) return schema['x-empty-message']
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${field} is required: ${describeExpected(schema)}`
  // A secret (a pasted private key, say) is described, never quoted back.
  if (schema['x-secret'] === true) return `${field} must be ${describeExpected(schema)}`
  return `${field} must be ${describeExpected(schema)}; got ${show(error.value)}`
}

/**
 * One message for a failed validation. TypeBox reports required members
 * before the others; clients expect the first problem in field order, so
 * errors are ranked by the position of their top-level field in the schema.
 */
export function describeValidationErrors (errors: readonly ValueError[], root: TSchema): string {
  const order = Object.keys((root as Schema).properties ?? {})
  const rank = (error: ValueError): number => {
    const top = error.path.split('/')[1] ?? ''
    const index = order.indexOf(top.replace(/~1/g, '/').replace(/~0/g, '~'))
    return error.path === '' ? -1 : index === -1 ? order.length : index
  }
  const first = [...errors].sort((a, b) => rank(a) - rank(b))[0]
  return first === undefined ? 'Invalid request' : describeOne(first)
}
