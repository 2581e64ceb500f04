// `make bench`: every scenario of the performance issue, one table of ratios.
// `--smoke` runs each briefly (the test suite does, so the bench cannot rot);
// `--only P3` runs one scenario.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { keygenLimit } from './scenarios/p1-keygen-limit.js'
import { isolation } from './scenarios/p2-isolation.js'
import { durableThroughput } from './scenarios/p3-durable-throughput.js'
import { scale } from './scenarios/p4-scale.js'
import { memory } from './scenarios/p5-memory.js'
import { publicJwks } from './scenarios/p6-public-jwks.js'
import { getJwk } from './scenarios/p7-get-jwk.js'
import { postgres } from './scenarios/p8-postgres.js'
import { round } from './lib/stats.js'
import type { BenchOptions, Row } from './lib/types.js'

const SCENARIOS: Record<string, (options: BenchOptions) => Promise<Row[]>> = {
  P1: keygenLimit,
  P2: isolation,
  P3: durableThroughput,
  P4: scale,
  P5: memory,
  P6: publicJwks,
  P7: getJwk,
  P8: postgres
}

export async function runBench (options: BenchOptions, only?: string): Promise<Row[]> {
  const rows: Row[] = []
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only !== undefined && only !== name) continue
    const started = performance.now()
    const produced = await scenario(options)
    rows.push(...produced)
    process.stderr.write(`${name} done in ${round((performance.now() - started) / 1000, 1)} s\n`)
  }
  return rows
}

export function formatTable (rows: Row[]): string {
  const header = ['scenario', 'measured (median)', 'spread (min–max)', 'target', 'met']
  const body = rows.map(row => [
    row.scenario,
    String(round(row.measured.median, 3)),
    `${round(row.measured.min, 3)}–${round(row.measured.max, 3)} (n=${row.measured.samples.length})`,
    row.target,
    row.met ? 'yes' : 'NO'
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...body.map(line => line[column]!.length)))
  const line = (cells: string[]): string => '| ' + cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ') + ' |'
  return [line(header), '|' + widths.map(width => '-'.repeat(width + 2)).join('|') + '|', ...body.map(line)].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const smoke = process.argv.includes('--smoke')
  const onlyIndex = process.argv.indexOf('--only')
  const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1]
  const threads = Number(process.env.JWKD_POOL_SIZE ?? 2)
  const started = Date.now()
  const rows = await runBench({ smoke, threads }, only)
  process.stdout.write(formatTable(rows) + '\n\n')
  for (const row of rows) process.stdout.write(`${row.scenario}: ${row.detail}\n`)
  const results = fileURLToPath(new URL('./results/', import.meta.url))
  mkdirSync(results, { recursive: true })
  writeFileSync(`${results}latest.json`, JSON.stringify({ at: new Date().toISOString(), seconds: (Date.now() - started) / 1000, smoke, threads, rows }, null, 2))
}
