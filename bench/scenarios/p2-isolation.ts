import { ecBody, expectClean, generateLoad, listLoad, rsaBody } from '../lib/jwkd-client.js'
import { startJwkd, type JwkdService } from '../lib/processes.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Row } from '../lib/types.js'

interface Probe { name: string, run: (server: JwkdService, seconds: number) => Promise<number> }

const probes: Probe[] = [
  { name: 'list', run: async (server, duration) => expectClean(await listLoad(server, 'listed', { connections: 10, duration }), 'P2 list').p99 },
  { name: 'EC P-256 generate', run: async (server, duration) => expectClean(await generateLoad(server, 'p2', ecBody('p2'), { connections: 10, duration }), 'P2 EC').p99 }
]

/**
 * P2: p99 of cheap requests while RSA-4096 keeps the heavy lane saturated,
 * against the same p99 with the pool idle, same server, same run.
 */
export async function isolation (options: BenchOptions): Promise<Row[]> {
  const seconds = options.smoke ? 2 : 6
  const repeats = options.smoke ? 1 : 2
  const server = await startJwkd({ projects: ['listed', 'p2', 'rsa'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  const ratios = new Map<string, number[]>(probes.map(probe => [probe.name, []]))
  const figures = new Map<string, string[]>(probes.map(probe => [probe.name, []]))
  try {
    expectClean(await generateLoad(server, 'listed', ecBody('listed'), { connections: 1, amount: 10 }), 'P2 seed')
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const probe of probes) {
        const idle = await probe.run(server, seconds)
        // RSA-4096 for longer than the probe: twice as many in flight as there are heavy threads.
        const saturation = generateLoad(server, 'rsa', rsaBody('rsa', 4096), { connections: options.threads * 2, duration: seconds + 3 })
        await new Promise(resolve => setTimeout(resolve, 1000))
        const loaded = await probe.run(server, seconds)
        await saturation
        ratios.get(probe.name)!.push(loaded / Math.max(idle, 1))
        figures.get(probe.name)!.push(`${loaded}/${idle} ms`)
      }
    }
  } finally {
    await server.stop()
  }
  return probes.map(probe => {
    const measured = summarize(ratios.get(probe.name)!)
    return {
      scenario: `P2 ${probe.name} p99, RSA-4096 saturating ÷ idle`,
      measured,
      target: '≤ 2',
      met: measured.median <= 2,
      detail: `p99 loaded/idle per repeat: ${figures.get(probe.name)!.join(', ')} (1 ms floor); ${round(seconds)} s windows, 10 connections`
    }
  })
}
