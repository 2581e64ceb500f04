/**
 * Every error a client can see is a JwkdError: an HTTP status, a stable
 * Apinizer `error` code and a human `error_description`. Anything else that
 * escapes to the error handler is a bug and is answered as a generic 500.
 */
export class JwkdError extends Error {
  readonly statusCode: number
  readonly error: string
  readonly headers: Readonly<Record<string, string>>
  /** what the log gets and the client does not */
  readonly detail: string | undefined

  constructor (statusCode: number, error: string, description: string, headers: Record<string, string> = {}, detail?: string) {
    super(description)
    this.name = new.target.name
    this.statusCode = statusCode
    this.error = error
    this.headers = headers
    this.detail = detail
  }

  toBody (): { error: string, error_description: string } {
    return { error: this.error, error_description: this.message }
  }
}

export class BadRequestError extends JwkdError {
  constructor (description: string, detail?: string) {
    super(400, 'bad_request', description, {}, detail)
  }
}

/**
 * A URL import that failed, however it failed (refused address, no answer,
 * not JSON, no such kid, not a usable key): one answer, so an import can be
 * no probe of what listens where or what it serves. The cause is logged.
 */
export class FetchFailedError extends BadRequestError {
  constructor (origin: string, detail: string) {
    super(`The key could not be fetched from ${origin}`, detail)
  }
}

export class UnauthorizedError extends JwkdError {
  constructor () {
    // One answer for every kind of bad token: never tell which check failed.
    // Closed after the answer: a caller without a valid token gets no more of the socket (a trickled body, say).
    super(401, 'unauthorized_client', 'Invalid token', { 'www-authenticate': 'Bearer', connection: 'close' })
  }
}

export class ForbiddenError extends JwkdError {
  constructor () {
    super(403, 'forbidden', 'You do not have permission to perform this action', { connection: 'close' })
  }
}

export class NotFoundError extends JwkdError {
  constructor (description: string) {
    super(404, 'not_found', description)
  }
}

export class PayloadTooLargeError extends JwkdError {
  constructor (limit: number) {
    super(413, 'payload_too_large', `Request body is larger than ${limit} bytes`)
  }
}

export class UnsupportedMediaTypeError extends JwkdError {
  constructor (contentType: string | undefined) {
    super(415, 'unsupported_media_type',
      `Content-Type ${contentType === undefined ? '(none)' : JSON.stringify(contentType.slice(0, 100))} is not supported; send application/json`)
  }
}

export class TooManyRequestsError extends JwkdError {
  constructor (perMinute: number, retryAfterSeconds: number) {
    super(429, 'too_many_requests', `Rate limit of ${perMinute} requests per minute exceeded; retry in ${retryAfterSeconds} s`,
      { 'retry-after': String(retryAfterSeconds) })
  }
}

export class ServiceUnavailableError extends JwkdError {
  constructor (description: string, retryAfterSeconds: number) {
    super(503, 'service_unavailable', description, { 'retry-after': String(retryAfterSeconds) })
  }
}

export class ServerError extends JwkdError {
  constructor () {
    super(500, 'server_error', 'An unexpected error occurred; it has been logged')
  }
}

/** Thrown when the request's client went away; there is nobody to answer. */
export class ClientGoneError extends Error {
  constructor () {
    super('client disconnected before its key was generated')
    this.name = 'ClientGoneError'
  }
}

export const projectNotFound = (projectName: string): NotFoundError =>
  new NotFoundError(`Project (${projectName}) is not found or user does not have privilege to access it!`)

/** Apinizer answers a missing JWK with a 400, not a 404: the project exists, the request names nothing in it. */
export const jwkNotFound = (name: string): BadRequestError =>
  new BadRequestError(`JWK (name: ${name}) is not found!`)

export const certificateNotFound = (name: string): BadRequestError =>
  new BadRequestError(`Certificate (name: ${name}) is not found!`)

export const jwkNotFoundForUpdate = (name: string): BadRequestError =>
  new BadRequestError(`JWK (name: ${name}) is not found! Try create operation.`)

export const keyNotFound = (name: string): BadRequestError =>
  new BadRequestError(`Key (name: ${name}) is not found!`)

export const keystoreNotFound = (name: string): BadRequestError =>
  new BadRequestError(`Keystore (name: ${name}) is not found!`)
