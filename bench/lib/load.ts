import type { EventEmitter } from 'node:events'
import autocannon from 'autocannon'

export interface LoadResult {
  /** completed 2xx responses per second */
  rate: number
  ok: number
  /** 3xx answers (a 304 to a conditional GET), counted among non2xx too */
  notModified: number
  non2xx: number
  errors: number
  p50: number
  p99: number
  seconds: number
  connections: number
  /** the first few request errors, for a failure message that says what went wrong */
  errorSamples: string[]
}

export interface LoadOptions {
  url: string
  connections: number
  /** seconds; or `amount` requests */
  duration?: number
  amount?: number
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  /** a fresh body per request (unique names) */
  body?: () => unknown
}

/** autocannon, programmatic, bounded in time or count: the load comes from this process, the server is another. */
export async function load (options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: options.url,
    connections: options.amount === undefined ? options.connections : Math.min(options.connections, options.amount),
    ...(options.amount === undefined ? { duration: options.duration ?? 5 } : { amount: options.amount }),
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    timeout: 120,
    requests: options.body === undefined
      ? undefined
      : [{ setupRequest: (request: any) => ({ ...request, body: JSON.stringify(options.body!()) }) }]
  } as autocannon.Options)
  const errorSamples: string[] = []
  // The promise autocannon returns is also its event emitter.
  ;(instance as unknown as EventEmitter).on('reqError', (err: Error) => { if (errorSamples.length < 5) errorSamples.push(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`) })
  const result = await instance
  const ok = result['2xx']
  return {
    rate: ok / (result.duration || 1),
    ok,
    notModified: result['3xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: result.duration,
    connections: result.connections,
    errorSamples
  }
}

let counter = 0
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`
