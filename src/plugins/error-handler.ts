import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import {
  BadRequestError, ClientGoneError, JwkdError, NotFoundError, PayloadTooLargeError, ServerError, ServiceUnavailableError, UnsupportedMediaTypeError
} from '../errors.js'

/** Fastify's own failures, reworded into the Apinizer shape. Never echo the body: it may hold key material. */
function fromFastify (err: FastifyError, request: FastifyRequest, bodyLimit: number): JwkdError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new UnsupportedMediaTypeError(request.headers['content-type'])
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new PayloadTooLargeError(bodyLimit)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new BadRequestError('Request body length does not match Content-Length')
  }
  const status = err.statusCode ?? 500
  if (status === 404) return new NotFoundError('Not found')
  if (status >= 400 && status < 500) return new JwkdError(status, 'bad_request', 'Bad request')
  return undefined
}

function send (reply: FastifyReply, error: JwkdError): void {
  reply.code(error.statusCode).headers(error.headers).send(error.toBody())
}

/**
 * The one place errors become responses: `{"error", "error_description"}`
 * and nothing else, whatever threw. Unexpected errors are logged in full and
 * answered with a generic 500.
 */
async function errorHandler (app: FastifyInstance): Promise<void> {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1024 * 1024

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ClientGoneError) {
      request.log.info('client went away; its request was cancelled')
      reply.raw.destroy()
      return
    }
    const mapped = err instanceof JwkdError
      ? err
      : app.hasDecorator('store') && app.store.isUnavailable(err)
        ? new ServiceUnavailableError('The database cannot be reached right now; try again shortly', 5)
        : fromFastify(err, request, bodyLimit)
    if (mapped === undefined) {
      request.log.error({ err }, 'unexpected error')
      send(reply, new ServerError())
      return
    }
    if (mapped.statusCode >= 500) request.log.warn({ err }, mapped.message)
    else if (mapped.detail !== undefined) request.log.warn({ detail: mapped.detail }, mapped.message)
    send(reply, mapped)
  })

  app.setNotFoundHandler((request, reply) => {
    send(reply, new NotFoundError(`Route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)} not found`))
  })
}

export default fp(errorHandler, { name: 'error-handler' })
