import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import type { FastifySchemaCompiler } from 'fastify'
import { BadRequestError } from '../errors.js'
import { describeValidationErrors } from './describe-error.js'

/**
 * Fastify validator compiler on TypeBox's own checker, so a failed check
 * becomes one BadRequestError worded for the client. Bodies are checked
 * as sent (types are strict: "2048" is not 2048); path and query strings are
 * converted first, since they are always text on the wire. Members left out
 * get their schema's `default` (see Defaulted) before the check.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const checker = TypeCompiler.Compile(schema)
  return (input: unknown) => {
    const value = Value.Default(schema, httpPart === 'body' ? input : Value.Convert(schema, input))
    if (checker.Check(value)) return { value }
    return { error: new BadRequestError(describeValidationErrors([...checker.Errors(value)], schema)) }
  }
}
