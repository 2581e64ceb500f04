import http from 'node:http'
import https from 'node:https'
import { BadRequestError } from '../errors.js'

export interface FetchLimits {
  /** ms until the TCP (and TLS) connection is up */
  connectTimeoutMs: number
  /** ms from the connection to the last byte of the answer */
  readTimeoutMs: number
  /** the largest answer accepted, in bytes */
  sizeLimit: number
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { connectTimeoutMs: 5000, readTimeoutMs: 10_000, sizeLimit: 1024 * 1024 }

/** The address as it may appear in messages and logs: no credentials, no query. */
export const displayUrl = (url: URL): string => `${url.origin}${url.pathname}`

export function parseHttpUrl (text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new BadRequestError('url must be an absolute http or https URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequestError(`url must use http or https, not ${url.protocol.slice(0, 16)}`)
  return url
}

const failure = (message: string): BadRequestError => new BadRequestError(message)

function describeNetworkError (err: NodeJS.ErrnoException, shown: string): string {
  switch (err.code) {
    case 'ECONNREFUSED': return `Could not connect to ${shown}: connection refused`
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return `Could not connect to ${shown}: host not found`
    case 'ECONNRESET': return `The connection to ${shown} was reset`
    default: return `Could not fetch ${shown}: ${err.code ?? err.message}`
  }
}

/**
 * GETs a small text document with hard limits on connect time, total read
 * time and size. Redirects are not followed: the operator names the address
 * the key comes from, and a redirect is answered as the non-2xx it is.
 */
export async function fetchText (url: URL, limits: FetchLimits, signal?: AbortSignal): Promise<string> {
  const shown = displayUrl(url)
  const client = url.protocol === 'https:' ? https : http
  return await new Promise<string>((resolve, reject) => {
    let readTimer: NodeJS.Timeout | undefined
    const request = client.request(url, {
      method: 'GET',
      agent: false,
      headers: { accept: 'application/jwk-set+json, application/json;q=0.9' },
      signal
    })
    const fail = (err: Error): void => {
      clearTimeout(connectTimer)
      clearTimeout(readTimer)
      request.destroy()
      reject(err)
    }
    const connectTimer = setTimeout(() => fail(failure(`Connecting to ${shown} timed out after ${limits.connectTimeoutMs} ms`)), limits.connectTimeoutMs)
    request.once('socket', socket => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer)
        readTimer = setTimeout(() => fail(failure(`${shown} did not send its whole answer within ${limits.readTimeoutMs} ms`)), limits.readTimeoutMs)
      })
    })
    request.once('error', err => fail(err instanceof BadRequestError ? err : failure(describeNetworkError(err, shown))))
    request.once('response', response => {
      const status = response.statusCode ?? 0
      if (status < 200 || status > 299) {
        fail(failure(`${shown} answered HTTP ${status}`))
        return
      }
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > limits.sizeLimit) {
        fail(failure(`The answer from ${shown} is larger than ${limits.sizeLimit} bytes`))
        return
      }
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limits.sizeLimit) fail(failure(`The answer from ${shown} is larger than ${limits.sizeLimit} bytes`))
        else chunks.push(chunk)
      })
      response.once('end', () => {
        clearTimeout(readTimer)
        if (size <= limits.sizeLimit) resolve(Buffer.concat(chunks).toString('utf8'))
      })
      response.once('error', err => fail(failure(describeNetworkError(err, shown))))
    })
    request.end()
  })
}
