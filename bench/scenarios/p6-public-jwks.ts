import { ecBody, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { load } from '../lib/load.js'
import { startBare, startJwkd, type Service } from '../lib/processes.js'
import { rateRatioRow } from '../lib/rows.js'
import type { BenchOptions, Row } from '../lib/types.js'

/** Hands the bare server the bytes (and ETag) jwkd answered, so both sides send the same. */
async function mirror (bare: Service, name: string, response: Response, etag?: string): Promise<void> {
  const stored = await fetch(`${bare.url}/fixture/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain', 'x-content-type': response.headers.get('content-type') ?? 'application/json', ...(etag === undefined ? {} : { 'x-etag': etag }) },
    body: await response.text()
  })
  if (!stored.ok) throw new Error(`mirroring ${name}: ${stored.status}`)
}

/**
 * P6: the public JWK Set, what every relying party polls. A project of 20
 * keys against a bare route answering the same bytes; and, with 10 000 keys
 * in the project, a conditional GET carrying the current ETag against a bare
 * route answering 304. c = 50, same run, alternating.
 */
export async function publicJwks (options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 2 : 5
  const repeats = options.smoke ? 1 : 3
  const big = options.smoke ? 50 : 10_000
  const [bare, jwkd] = await Promise.all([startBare(), startJwkd({ projects: ['p6', 'p6big'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })])
  const rows: Row[] = []
  try {
    expectClean(await generateLoad(jwkd, 'p6', ecBody('p6'), { connections: 1, amount: 20 }), 'P6 seed')
    expectClean(await generateLoad(jwkd, 'p6big', ecBody('p6big'), { connections: 50, amount: big }), 'P6 seed big')
    const setUrl = (project: string): string => `${jwkd.url}/environments/production/projects/${project}/jwks.json`
    await mirror(bare, 'set', await fetch(setUrl('p6')))
    const bigSet = await fetch(setUrl('p6big'))
    const etag = bigSet.headers.get('etag') ?? ''
    await mirror(bare, 'big', bigSet, etag)
    const cases: Array<{ name: string, jwkd: string, bare: string, headers: Record<string, string>, target: number }> = [
      { name: 'P6 public JWK Set, 20 keys ÷ bare route, same bytes (c = 50)', jwkd: setUrl('p6'), bare: `${bare.url}/fixture/set`, headers: {}, target: 0.8 },
      { name: `P6 conditional GET, ${big} keys, current ETag ÷ bare 304 (c = 50)`, jwkd: setUrl('p6big'), bare: `${bare.url}/fixture/big`, headers: { 'if-none-match': etag }, target: 0.5 }
    ]
    for (const test of cases) {
      const rates = []
      for (let repeat = 0; repeat < repeats; repeat++) {
        const conditional = { notModified: 'if-none-match' in test.headers }
        const baseline = expectClean(await load({ url: test.bare, connections: 50, duration: seconds, headers: test.headers }), `${test.name}: bare`, conditional)
        const served = expectClean(await load({ url: test.jwkd, connections: 50, duration: seconds, headers: test.headers }), `${test.name}: jwkd`, conditional)
        // A 304 counts as an answer here: it is what the conditional GET asks for.
        rates.push({ jwkd: (served.ok + served.notModified) / served.seconds, bare: (baseline.ok + baseline.notModified) / baseline.seconds })
      }
      rows.push(rateRatioRow(test.name, test.target, rates))
    }
  } finally {
    await Promise.all([bare.stop(), jwkd.stop()])
  }
  return rows
}
