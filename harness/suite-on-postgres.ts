// The whole suite again, on PostgreSQL: one throwaway cluster, a database
// per test data directory (test/helpers/backend.ts), tap's own exit code.
import { spawnSync } from 'node:child_process'
import { ROOT } from './processes.js'
import { startCluster } from './postgres.js'

/**
 * Files about what only the SQLite backend has (its files, their modes,
 * secure delete, the group commit, SIGKILL of its WAL), and the benchmark
 * smoke, whose P8 already runs PostgreSQL. The rest runs on both.
 */
export const SQLITE_ONLY = [
  'test/store/file-modes.test.ts',
  'test/store/secure-delete.test.ts',
  'test/store/group-commit.test.ts',
  'test/e2e/crash-consistency.test.ts',
  'test/bench/smoke.test.ts'
]

const cluster = await startCluster({ maxConnections: 1000 })
let status: number
try {
  const tap = spawnSync('npx', ['tap', '--disable-coverage', ...SQLITE_ONLY.flatMap(file => ['--exclude', file]), ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, JWKD_TEST_POSTGRES_URL: cluster.url }
  })
  status = tap.status ?? 1
} finally {
  cluster.remove()
}
process.exit(status)
