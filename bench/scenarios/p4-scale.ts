import { ecBody, expectClean, generateLoad, keyNames, listLoad } from '../lib/jwkd-client.js'
import { startJwkd } from '../lib/processes.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Row } from '../lib/types.js'

/**
 * P4: generate p50 in a project holding 10 000 keys against one holding 10;
 * then a page of the list deep in those 10 000 against the first page (the
 * same number of items: what is compared is where the page starts). Same
 * server, alternating.
 */
export async function scale (options: BenchOptions): Promise<Row[]> {
  const big = options.smoke ? 50 : 10_000
  const seconds = options.smoke ? 2 : 5
  const repeats = options.smoke ? 1 : 3
  const server = await startJwkd({ projects: ['small', 'big'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  const pageSize = options.smoke ? 10 : 100
  const ratios: number[] = []
  const figures: string[] = []
  const pageRatios: number[] = []
  const pageFigures: string[] = []
  let listP50 = 0
  try {
    expectClean(await generateLoad(server, 'small', ecBody('seed'), { connections: 1, amount: 10 }), 'P4 seed small')
    expectClean(await generateLoad(server, 'big', ecBody('seed'), { connections: 50, amount: big }), 'P4 seed big')
    for (let repeat = 0; repeat < repeats; repeat++) {
      const small = expectClean(await generateLoad(server, 'small', ecBody('small'), { connections: 1, duration: seconds }), 'P4 small')
      const large = expectClean(await generateLoad(server, 'big', ecBody('big'), { connections: 1, duration: seconds }), 'P4 big')
      ratios.push(large.p50 / Math.max(small.p50, 1))
      figures.push(`${large.p50}/${small.p50} ms`)
    }
    listP50 = expectClean(await listLoad(server, 'big', { connections: 1, duration: seconds }), 'P4 list').p50
    const names = await keyNames(server, 'big')
    const lastPage = `?limit=${pageSize}&after=${encodeURIComponent(names[names.length - pageSize - 1]!)}`
    for (let repeat = 0; repeat < repeats; repeat++) {
      const first = expectClean(await listLoad(server, 'big', { connections: 1, duration: seconds }, `?limit=${pageSize}`), 'P4 first page')
      const last = expectClean(await listLoad(server, 'big', { connections: 1, duration: seconds }, lastPage), 'P4 last page')
      // p50 in whole milliseconds, as autocannon reports it; a 1 ms floor keeps the ratio finite.
      pageRatios.push(Math.max(last.p50, 1) / Math.max(first.p50, 1))
      pageFigures.push(`${last.p50}/${first.p50} ms`)
    }
  } finally {
    await server.stop()
  }
  const measured = summarize(ratios)
  const pages = summarize(pageRatios)
  return [{
    scenario: `P4 generate p50, ${big} keys in the project ÷ 10`,
    measured,
    target: '≤ 1.2',
    met: measured.median <= 1.2,
    detail: `p50 big/small per repeat: ${figures.join(', ')} (1 ms floor); the whole list of ${big} keys: p50 ${round(listP50)} ms`
  }, {
    scenario: `P4 list page of ${pageSize} p50, last page of ${big} keys ÷ first page`,
    measured: pages,
    target: '≤ 1.2',
    met: pages.median <= 1.2,
    detail: `p50 last/first per repeat: ${pageFigures.join(', ')} (1 ms floor)`
  }]
}
