import { ecBody, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { load } from '../lib/load.js'
import { startBare, startJwkd } from '../lib/processes.js'
import { rateRatioRow } from '../lib/rows.js'
import type { BenchOptions, Row } from '../lib/types.js'

/**
 * P7: reading one key with its private members (auth, the project, the
 * record, opening the sealed blob) against a bare route answering the same
 * bytes. c = 50, same run, alternating.
 */
export async function getJwk (options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 2 : 5
  const repeats = options.smoke ? 1 : 3
  const [bare, jwkd] = await Promise.all([startBare(), startJwkd({ projects: ['p7'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })])
  try {
    expectClean(await generateLoad(jwkd, 'p7', () => ({ ...ecBody('p7')(), name: 'read-me' }), { connections: 1, amount: 1 }), 'P7 seed')
    const url = `${jwkd.url}/apiops/projects/p7/jwks/read-me/`
    const headers = { authorization: `Bearer ${jwkd.token}` }
    const answer = await fetch(url, { headers })
    if (!answer.ok) throw new Error(`P7: GET answered ${answer.status}`)
    const stored = await fetch(`${bare.url}/fixture/jwk`, { method: 'PUT', headers: { 'content-type': 'text/plain', 'x-content-type': 'application/json; charset=utf-8' }, body: await answer.text() })
    if (!stored.ok) throw new Error(`P7: mirroring: ${stored.status}`)
    const rates = []
    for (let repeat = 0; repeat < repeats; repeat++) {
      const baseline = expectClean(await load({ url: `${bare.url}/fixture/jwk`, connections: 50, duration: seconds }), 'P7 bare')
      const served = expectClean(await load({ url, connections: 50, duration: seconds, headers }), 'P7 jwkd')
      rates.push({ jwkd: served.rate, bare: baseline.rate })
    }
    return [rateRatioRow('P7 GET one key with its private members ÷ bare route, same bytes (c = 50)', 0.5, rates)]
  } finally {
    await Promise.all([bare.stop(), jwkd.stop()])
  }
}
