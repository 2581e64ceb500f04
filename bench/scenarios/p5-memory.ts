import { ecBody, ed25519Body, expectClean, generateLoad } from '../lib/jwkd-client.js'
import { startJwkd } from '../lib/processes.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Row } from '../lib/types.js'

const MB = 1024 * 1024
const settle = async (): Promise<void> => await new Promise(resolve => setTimeout(resolve, 2000))

/** One fresh server: its RSS after `batch` generations, and after `batch` more. */
async function rssAfter (options: BenchOptions, batch: number): Promise<{ first: number, second: number }> {
  const server = await startJwkd({ projects: ['p5'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  try {
    const generate = async (what: string): Promise<number> => {
      for (const body of [ecBody('p5'), ed25519Body('p5')]) expectClean(await generateLoad(server, 'p5', body, { connections: 50, amount: batch / 2 }), what)
      await settle()
      return server.rss()
    }
    return { first: await generate('P5 first'), second: await generate('P5 second') }
  } finally {
    await server.stop()
  }
}

/**
 * P5: the server's RSS after 10 000 generations, and after 10 000 more.
 * Repeated on fresh servers: V8's heap growth makes one run's figure move
 * by 10–20 MB from the next.
 */
export async function memory (options: BenchOptions): Promise<Row[]> {
  const batch = options.smoke ? 200 : 10_000
  const runs: Array<{ first: number, second: number }> = []
  for (let repeat = 0; repeat < (options.smoke ? 1 : 3); repeat++) runs.push(await rssAfter(options, batch))
  const first = summarize(runs.map(run => round(run.first / MB, 1)))
  const growth = summarize(runs.map(run => run.second / run.first))
  return [
    {
      scenario: `P5 RSS after ${batch} generations, MB`,
      measured: first,
      target: '≤ 150',
      met: first.median <= 150,
      detail: 'resident set of the server process (main thread, both lanes, SQLite), fresh server per repeat'
    },
    {
      scenario: `P5 RSS growth over the next ${batch}, after ÷ before`,
      measured: growth,
      target: '≤ 1.05',
      met: growth.median <= 1.05,
      detail: runs.map(run => `${round(run.first / MB, 1)} MB → ${round(run.second / MB, 1)} MB`).join(', ')
    }
  ]
}
