import type { FastifyReply } from 'fastify'

/**
 * Aborts when the client goes away before its answer is written, so queued
 * key generations for nobody are dropped instead of run.
 */
export function clientSignal (reply: FastifyReply): AbortSignal {
  const controller = new AbortController()
  const response = reply.raw
  const onClose = (): void => {
    if (!response.writableFinished) controller.abort()
  }
  response.once('close', onClose)
  return controller.signal
}
