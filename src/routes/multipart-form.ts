import type { FastifyMultipartOptions } from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import { BadRequestError, PayloadTooLargeError } from '../errors.js'

export interface FormSpec<Field extends string> {
  /** every field the form may have, the file among them */
  fields: readonly Field[]
  /** the largest file, in bytes */
  fileLimit: number
  /** what to say to a request that is not multipart */
  hint: string
}

/** @fastify/multipart's limits for a form of this spec: one file, no field it does not name. */
export const multipartLimits = (spec: FormSpec<string>): FastifyMultipartOptions => ({
  limits: { fileSize: spec.fileLimit, fieldSize: 4096, files: 1, fields: spec.fields.length, parts: spec.fields.length, headerPairs: 100 }
})

const TOO_LARGE = ['FST_REQ_FILE_TOO_LARGE', 'FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']

/** A multipart form read into memory within its limits, the file as text; any other part is refused by name. */
export async function readForm<Field extends string> (request: FastifyRequest, spec: FormSpec<Field>): Promise<Partial<Record<Field, string>>> {
  if (!request.isMultipart()) throw new BadRequestError(spec.hint)
  const form: Partial<Record<Field, string>> = {}
  try {
    for await (const part of request.parts()) {
      const field = spec.fields.find(name => name === part.fieldname)
      if (field === undefined) throw new BadRequestError(`Unknown form field: ${JSON.stringify(part.fieldname.slice(0, 64))}`)
      const value = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value)
      if (!value.isWellFormed()) throw new BadRequestError(`${field} is not well-formed text`)
      form[field] = value
    }
  } catch (err) {
    if (TOO_LARGE.includes((err as { code?: string }).code ?? '')) throw new PayloadTooLargeError(spec.fileLimit)
    throw err
  }
  return form
}
