import t from 'tap'
import { formatTable, runBench } from '../../bench/run.js'

/**
 * The benchmarks, briefly, so their code cannot rot: every scenario runs
 * against real servers and produces figures. Whether the figures meet their
 * targets is `make bench`'s business (timed tests would be flaky on a
 * shared machine); here they only have to exist.
 */
const SCENARIOS = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8']

t.test('every scenario produces figures', async t => {
  const rows = []
  for (const only of SCENARIOS) rows.push(...await runBench({ smoke: true, threads: 2 }, only))
  t.same([...new Set(rows.map(row => row.scenario.slice(0, 2)))], SCENARIOS)
  for (const row of rows) {
    t.ok(Number.isFinite(row.measured.median) && row.measured.median > 0, `${row.scenario}: ${row.measured.median}`)
    t.ok(row.measured.samples.length >= 1)
    t.match(row.target, /^[≤≥] [\d.]+$/)
    t.type(row.met, 'boolean')
    t.ok(row.detail.length > 0)
  }
  const table = formatTable(rows)
  t.equal(table.split('\n').length, rows.length + 2, 'one table line per row, plus header and rule')
})
