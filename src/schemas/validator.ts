import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
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

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

/** The same check for values that do not arrive as a JSON body (a multipart form's fields): the client's 400 when it fails. */
export function checkValue<T extends TSchema> (schema: T, input: unknown): Static<T> {
  let checker = compiled.get(schema)
  if (checker === undefined) {
    checker = TypeCompiler.Compile(schema)
    compiled.set(schema, checker)
  }
  const value = Value.Default(schema, input)
  if (checker.Check(value)) return value as Static<T>
  throw new BadRequestError(describeValidationErrors([...checker.Errors(value)], schema))
}
