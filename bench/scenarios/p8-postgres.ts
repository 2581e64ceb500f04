import { randomBytes } from 'node:crypto'
import { startCluster } from '../../harness/postgres.js'
import { ecBody, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { load } from '../lib/load.js'
import { startBare, startJwkd } from '../lib/processes.js'
import { rateRatioRow } from '../lib/rows.js'
import type { BenchOptions, Row } from '../lib/types.js'

/**
 * P8: P3 and P6 with the store on PostgreSQL (a local cluster on the same
 * machine): durable EC generate with one instance and with two sharing the
 * load (two instances on two cores share the CPU with PostgreSQL and the
 * load generator, so they are not expected to double), and the public JWK
 * Set of 20 keys; each against the bare route of P3 / P6 in the same run.
 */
export async function postgres (options: BenchOptions): Promise<Row[]> {
  // The smoke run asks for a number of answers, not answers within a window: a busy machine still gives some.
  const window = options.smoke ? { amount: 100 } : { duration: 6 }
  const repeats = options.smoke ? 1 : 3
  const cluster = await startCluster()
  const env = { JWKD_DATABASE_URL: await cluster.createDatabase(), JWKD_MASTER_KEY: randomBytes(32).toString('base64') }
  const bare = await startBare()
  const one = await startJwkd({ projects: ['p8', 'p8set'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke, env })
  const two = await startJwkd({ projects: [], environments: [], poolSize: options.threads, fromSource: options.smoke, env, joining: one })
  const body = ecBody('p8')
  const rows: Row[] = []
  try {
    await load({ url: `${bare.url}/generate/ec`, method: 'POST', connections: 50, duration: 2, body })
    await generateLoad(one, 'p8', body, { connections: 50, duration: 2 })
    await generateLoad(two, 'p8', body, { connections: 50, duration: 1 })
    const single = []
    const pair = []
    for (let repeat = 0; repeat < repeats; repeat++) {
      const baseline = expectClean(await load({ url: `${bare.url}/generate/ec`, method: 'POST', connections: 50, ...window, body }), 'P8 bare')
      single.push({ jwkd: expectClean(await generateLoad(one, 'p8', body, { connections: 50, ...window }), 'P8 one instance').rate, bare: baseline.rate })
      const [a, b] = await Promise.all([one, two].map(async server => expectClean(await generateLoad(server, 'p8', body, { connections: 25, ...window }), 'P8 two instances')))
      pair.push({ jwkd: a!.rate + b!.rate, bare: baseline.rate })
    }
    rows.push(rateRatioRow('P8 P3 on PostgreSQL, one instance: EC P-256 durable generate ÷ bare route (c = 50, 2 environments)', 0.5, single))
    rows.push(rateRatioRow('P8 P3 on PostgreSQL, two instances sharing c = 50 ÷ bare route', 0.5, pair))

    expectClean(await generateLoad(one, 'p8set', ecBody('p8set'), { connections: 1, amount: 20 }), 'P8 seed')
    const setUrl = (url: string): string => `${url}/environments/production/projects/p8set/jwks.json`
    const answer = await fetch(setUrl(one.url))
    const stored = await fetch(`${bare.url}/fixture/set`, { method: 'PUT', headers: { 'content-type': 'text/plain', 'x-content-type': answer.headers.get('content-type') ?? 'application/json' }, body: await answer.text() })
    if (!stored.ok) throw new Error(`mirroring the set: ${stored.status}`)
    const sets = []
    for (let repeat = 0; repeat < repeats; repeat++) {
      const baseline = expectClean(await load({ url: `${bare.url}/fixture/set`, connections: 50, ...window }), 'P8 bare set')
      const served = expectClean(await load({ url: setUrl(two.url), connections: 50, ...window }), 'P8 set')
      sets.push({ jwkd: served.rate, bare: baseline.rate })
    }
    rows.push(rateRatioRow('P8 P6 on PostgreSQL: public JWK Set, 20 keys, from the other instance ÷ bare route (c = 50)', 0.8, sets))
  } finally {
    await Promise.all([bare.stop(), one.stop(), two.stop()])
    cluster.remove()
  }
  return rows
}
