import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { BadRequestError, FetchFailedError, ServiceUnavailableError } from '../errors.js'
import { addressClass } from './address-policy.js'

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

/** Why a fetch failed: for the log only, since a client-visible reason would make the import a probe of other hosts. */
class FetchFailure extends Error {}

function describeNetworkError (err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused'
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return 'host not found'
    case 'ECONNRESET': return 'the connection was reset'
    default: return err.code ?? err.message
  }
}

function refusal (address: string): FetchFailure | undefined {
  const kind = addressClass(address)
  return kind === 'public' ? undefined : new FetchFailure(`${address} is a ${kind} address; set JWKD_IMPORT_ALLOW_PRIVATE=true to allow it`)
}

/**
 * dns.lookup (the system resolver, /etc/hosts first) whose answer is vetted
 * before the socket uses it: the connection goes to the very address that
 * was checked, so a second, rebinding lookup has nothing to change.
 */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err !== null) {
      callback(err, '', 0)
      return
    }
    const refused = addresses.map(({ address }) => refusal(address)).find(found => found !== undefined)
    if (refused !== undefined) {
      callback(Object.assign(refused, { code: 'EADDRNOTPUBLIC' }), '', 0)
      return
    }
    const first = addresses[0] as LookupAddress
    // Node's happy-eyeballs connect asks for all addresses; a plain connect for one.
    if (options.all === true) (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses)
    else callback(null, first.address, first.family)
  })
}

export interface FetchOptions {
  /** connect to loopback, private, link-local … addresses too */
  allowPrivate: boolean
  signal?: AbortSignal
}

/**
 * GETs a small text document with hard limits on connect time, total read
 * time and size. Redirects are not followed: the operator names the address
 * the key comes from, and a redirect is answered as the non-2xx it is.
 * Failures are FetchFailures, whose message is for the log.
 */
async function fetchText (url: URL, limits: FetchLimits, options: FetchOptions): Promise<string> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!options.allowPrivate && isIP(host) !== 0) {
    const refused = refusal(host)
    if (refused !== undefined) throw refused
  }
  const client = url.protocol === 'https:' ? https : http
  return await new Promise<string>((resolve, reject) => {
    let readTimer: NodeJS.Timeout | undefined
    const request = client.request(url, {
      method: 'GET',
      agent: false,
      headers: { accept: 'application/jwk-set+json, application/json;q=0.9' },
      signal: options.signal,
      ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup })
    })
    const fail = (err: Error): void => {
      clearTimeout(connectTimer)
      clearTimeout(readTimer)
      request.destroy()
      reject(err)
    }
    const connectTimer = setTimeout(() => fail(new FetchFailure(`connecting timed out after ${limits.connectTimeoutMs} ms`)), limits.connectTimeoutMs)
    request.once('socket', socket => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer)
        readTimer = setTimeout(() => fail(new FetchFailure(`the whole answer did not arrive within ${limits.readTimeoutMs} ms`)), limits.readTimeoutMs)
      })
    })
    request.once('error', err => fail(err instanceof FetchFailure ? err : new FetchFailure(describeNetworkError(err))))
    request.once('response', response => {
      const status = response.statusCode ?? 0
      if (status < 200 || status > 299) {
        fail(new FetchFailure(`answered HTTP ${status}`))
        return
      }
      const tooLarge = (): FetchFailure => new FetchFailure(`the answer is larger than ${limits.sizeLimit} bytes`)
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > limits.sizeLimit) {
        fail(tooLarge())
        return
      }
      const chunks: Buffer[] = []
      let size = 0
      response.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limits.sizeLimit) fail(tooLarge())
        else chunks.push(chunk)
      })
      response.once('end', () => {
        clearTimeout(readTimer)
        if (size <= limits.sizeLimit) resolve(Buffer.concat(chunks).toString('utf8'))
      })
      response.once('error', err => fail(new FetchFailure(describeNetworkError(err))))
    })
    request.end()
  })
}

/**
 * URL imports: at most `maxInFlight` at once (each holds a socket and up to
 * its size limit in memory), and one answer for every way a fetch fails.
 */
export class UrlFetcher {
  readonly #allowPrivate: boolean
  readonly #maxInFlight: number
  #inFlight = 0

  constructor (options: { allowPrivate: boolean, maxInFlight: number }) {
    this.#allowPrivate = options.allowPrivate
    this.#maxInFlight = options.maxInFlight
  }

  /** The document at `url`, made into whatever `read` returns; any failure of either is one FetchFailedError. */
  async fetch<T> (url: URL, limits: FetchLimits, read: (text: string) => T, signal?: AbortSignal): Promise<T> {
    if (this.#inFlight >= this.#maxInFlight) {
      throw new ServiceUnavailableError(`${this.#maxInFlight} URL imports are in progress already; retry shortly`, 1)
    }
    this.#inFlight++
    try {
      return read(await fetchText(url, limits, { allowPrivate: this.#allowPrivate, signal }))
    } catch (err) {
      if (err instanceof FetchFailure || err instanceof BadRequestError) throw new FetchFailedError(url.origin, `${displayUrl(url)}: ${err.message}`)
      throw err
    } finally {
      this.#inFlight--
    }
  }
}
