import type { Socket } from 'node:net'
import { JwkdError } from '../errors.js'

/** Node's header limit (--max-http-header-size default): past it, the HTTP parser gives up. */
const MAX_HEADER_BYTES = 16 * 1024

/**
 * Requests Node's HTTP parser refuses never reach Fastify's error handler;
 * Fastify's own answer for them has its default error body. This one keeps
 * the Apinizer shape even there.
 */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const error = err.code === 'HPE_HEADER_OVERFLOW'
    ? new JwkdError(431, 'request_header_fields_too_large', `Request headers are larger than ${MAX_HEADER_BYTES} bytes`)
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new JwkdError(408, 'request_timeout', 'The request took too long to arrive')
      : new JwkdError(400, 'bad_request', 'Malformed HTTP request')
  const body = JSON.stringify(error.toBody())
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${error.statusCode} ${error.error}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  }
  socket.destroy(err)
}
