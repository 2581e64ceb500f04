import type { JwkdService } from './processes.js'
import { load, uniqueName, type LoadOptions, type LoadResult } from './load.js'

export type KeyBody = () => Record<string, unknown>

export const ecBody = (prefix: string): KeyBody => () => ({ name: uniqueName(prefix), type: 'EC', ec: { curveType: 'P256' } })
export const ed25519Body = (prefix: string): KeyBody => () => ({ name: uniqueName(prefix), type: 'OKP', okp: { curveType: 'ED25519' } })
export const rsaBody = (prefix: string, keySize: number): KeyBody => () => ({ name: uniqueName(prefix), type: 'RSA', rsa: { keySize } })

/** Load on jwkd's generate route for a project, authenticated with the admin token. */
export async function generateLoad (server: JwkdService, project: string, body: KeyBody, options: Omit<LoadOptions, 'url'>): Promise<LoadResult> {
  return await load({
    ...options,
    url: `${server.url}/apiops/projects/${project}/jwks/generate`,
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}` },
    body
  })
}

/** Load on the list route; `query` picks a page (`?limit=…&after=…`). */
export async function listLoad (server: JwkdService, project: string, options: Omit<LoadOptions, 'url'>, query = ''): Promise<LoadResult> {
  return await load({ ...options, url: `${server.url}/apiops/projects/${project}/jwks/${query}`, headers: { authorization: `Bearer ${server.token}` } })
}

/** Every key name of a project, in the list's order. */
export async function keyNames (server: JwkdService, project: string): Promise<string[]> {
  const response = await fetch(`${server.url}/apiops/projects/${project}/jwks/`, { headers: { authorization: `Bearer ${server.token}` } })
  if (!response.ok) throw new Error(`listing ${project}: ${response.status}`)
  return ((await response.json()) as { resultList: Array<{ name: string }> }).resultList.map(item => item.name)
}

/**
 * Fails the bench loudly when a load did not do what it was asked: a figure
 * from errors is no figure. autocannon counts requests still in flight when
 * its window or count runs out as errors, so up to one per connection is
 * tolerated; any non-2xx answer is not (but a 304, where it is what was asked for).
 */
export function expectClean (result: LoadResult, what: string, options: { notModified?: boolean } = {}): LoadResult {
  const expected304 = options.notModified === true ? result.notModified : 0
  if (result.errors > result.connections || result.non2xx > expected304 || result.ok + expected304 === 0) {
    throw new Error(`${what}: ${result.ok} ok, ${result.non2xx} non-2xx, ${result.errors} errors (${result.errorSamples.join('; ')})`)
  }
  return result
}
