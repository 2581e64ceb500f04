import { ecBody, ed25519Body, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { startJwkd } from '../lib/processes.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Row } from '../lib/types.js'

const MB = 1024 * 1024
const settle = async (): Promise<void> => await new Promise(resolve => setTimeout(resolve, 2000))

/** P5: the server's RSS after 10 000 generations, and after 10 000 more. */
export async function memory (options: BenchOptions): Promise<Row[]> {
  const batch = options.smoke ? 200 : 10_000
  const server = await startJwkd({ projects: ['p5'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  let first = 0
  let second = 0
  try {
    for (const body of [ecBody('p5'), ed25519Body('p5')]) expectClean(await generateLoad(server, 'p5', body, { connections: 50, amount: batch / 2 }), 'P5 first')
    await settle()
    first = server.rss()
    for (const body of [ecBody('p5'), ed25519Body('p5')]) expectClean(await generateLoad(server, 'p5', body, { connections: 50, amount: batch / 2 }), 'P5 second')
    await settle()
    second = server.rss()
  } finally {
    await server.stop()
  }
  return [
    {
      scenario: `P5 RSS after ${batch} generations, MB`,
      measured: summarize([round(first / MB, 1)]),
      target: '≤ 150',
      met: first / MB <= 150,
      detail: 'resident set of the server process (main thread, both lanes, SQLite)'
    },
    {
      scenario: `P5 RSS growth over the next ${batch}, after ÷ before`,
      measured: summarize([second / first]),
      target: '≤ 1.05',
      met: second / first <= 1.05,
      detail: `${round(first / MB, 1)} MB → ${round(second / MB, 1)} MB`
    }
  ]
}
