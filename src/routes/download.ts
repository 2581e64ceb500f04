import { safeFileName } from '../files/file-name.js'
import type { FastifyReply } from 'fastify'

/** Marks the answer as a download of private or deployable material: an attachment, never cached. */
export function attachment (reply: FastifyReply, name: string, extension: string, type: string): FastifyReply {
  reply.header('content-disposition', `attachment; filename="${safeFileName(name, extension)}"; filename*=UTF-8''${encodeURIComponent(name)}.${extension}`)
  reply.header('cache-control', 'no-store')
  return reply.type(type)
}
