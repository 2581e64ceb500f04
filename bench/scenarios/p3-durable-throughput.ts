import { ecBody, ed25519Body, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { load } from '../lib/load.js'
import { startBare, startJwkd } from '../lib/processes.js'
import { rateRatioRow } from '../lib/rows.js'
import type { BenchOptions, Row } from '../lib/types.js'

/**
 * P3: generate through the full path (auth, validation, pool, sealing,
 * synchronous=FULL commit, snapshots in two environments, all durable before
 * the 200), against a bare Fastify route that only generates and exports the
 * same key; c = 50, same run, alternating.
 */
export async function durableThroughput (options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 3 : 6
  const repeats = options.smoke ? 1 : 3
  const kinds = [{ name: 'EC P-256', bare: 'ec', body: ecBody('p3') }, { name: 'Ed25519', bare: 'ed25519', body: ed25519Body('p3') }]
  const bare = await startBare()
  const jwkd = await startJwkd({ projects: ['p3'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  const rows: Row[] = []
  try {
    // Both servers warm (JIT, SQLite pages, directories) before anything is counted.
    await load({ url: `${bare.url}/generate/ec`, method: 'POST', connections: 50, duration: 2, body: kinds[0]!.body })
    await generateLoad(jwkd, 'p3', kinds[0]!.body, { connections: 50, duration: 2 })
    for (const kind of kinds) {
      const rates = []
      for (let repeat = 0; repeat < repeats; repeat++) {
        const baseline = expectClean(await load({ url: `${bare.url}/generate/${kind.bare}`, method: 'POST', connections: 50, duration: seconds, body: kind.body }), 'P3 bare')
        const full = expectClean(await generateLoad(jwkd, 'p3', kind.body, { connections: 50, duration: seconds }), 'P3 jwkd')
        rates.push({ jwkd: full.rate, bare: baseline.rate })
      }
      rows.push(rateRatioRow(`P3 ${kind.name} durable generate ÷ bare route (c = 50, 2 environments)`, 0.5, rates))
    }
  } finally {
    await Promise.all([bare.stop(), jwkd.stop()])
  }
  return rows
}
