import { expectClean, generateLoad, rsaBody } from '../lib/jwkd-client.js'
import { startJwkd } from '../lib/processes.js'
import { rawRsaRate, rawRsaRateOver } from '../lib/raw-keygen.js'
import { round, summarize } from '../lib/stats.js'
import type { BenchOptions, Row } from '../lib/types.js'

/**
 * P1: RSA keys per second through the whole API at saturation, against
 * generateKeyPairSync in a loop on the same number of threads, same run,
 * alternating. Equal windows on both sides; keys finished after a window
 * are not counted on either side. The smoke run asks for a number of keys
 * instead (two per thread on each side): a window on a busy machine can hold none.
 */
export async function keygenLimit (options: BenchOptions): Promise<Row[]> {
  const plans = options.smoke ? [{ bits: 2048, seconds: 2, repeats: 1 }] : [{ bits: 2048, seconds: 15, repeats: 5 }, { bits: 4096, seconds: 45, repeats: 2 }]
  const server = await startJwkd({ projects: ['p1'], environments: ['staging'], poolSize: options.threads, fromSource: options.smoke })
  const rows: Row[] = []
  try {
    for (const { bits, seconds, repeats } of plans) {
      const ratios: number[] = []
      const figures: string[] = []
      for (let repeat = 0; repeat < repeats; repeat++) {
        const raw = options.smoke ? await rawRsaRateOver(bits, options.threads, 2) : await rawRsaRate(bits, options.threads, seconds)
        const connections = options.threads * 3
        const window = options.smoke ? { amount: options.threads * 2 } : { duration: seconds }
        const api = expectClean(await generateLoad(server, 'p1', rsaBody('p1', bits), { connections, ...window }), `P1 RSA-${bits}`)
        ratios.push(api.rate / raw)
        figures.push(`${round(api.rate)}/${round(raw)}`)
      }
      const measured = summarize(ratios)
      rows.push({
        scenario: `P1 RSA-${bits} keys/s, API ÷ raw (${options.threads} threads, ${seconds} s windows)`,
        measured,
        target: '≥ 0.95',
        met: measured.median >= 0.95,
        detail: `API/raw keys/s per repeat: ${figures.join(', ')}`
      })
    }
  } finally {
    await server.stop()
  }
  return rows
}
