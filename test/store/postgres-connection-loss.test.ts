import pg from 'pg'
import t from 'tap'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { startCluster } from '../helpers/postgres.js'

/**
 * The server ends a connection while a transaction holds it (an outage, a
 * failover, an operator's pg_terminate_backend): that transaction fails as
 * an outage, the process lives on, and the next one gets a sound connection.
 */
const cluster = await startCluster(t)
const url = await cluster.createDatabase()
const admin = new pg.Client({ connectionString: url })
await admin.connect()
t.teardown(async () => { await admin.end() })
const idleInTransaction = async (): Promise<number> =>
  (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'")).rowCount ?? 0
const until = async (condition: () => Promise<boolean>): Promise<void> => {
  while (!await condition()) await new Promise(resolve => setTimeout(resolve, 20))
}

t.test('a connection ended mid-transaction fails that transaction, not the process', async t => {
  const store = await PostgresStore.open(url, { poolSize: 1 })
  t.teardown(() => store.close())
  let resume!: () => void
  const paused = new Promise<void>(resolve => { resume = resolve })
  const running = store.commits.run(async tx => { await paused; return await tx.projects.create('after the loss') })
  await until(async () => await idleInTransaction() === 1)
  await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'")
  await until(async () => await idleInTransaction() === 0)
  // Time for the ended socket to reach the client while its transaction still holds it.
  await new Promise(resolve => setTimeout(resolve, 200))
  resume()
  const failure = await running.then(() => undefined, (err: unknown) => err)
  t.ok(failure instanceof Error, 'the transaction fails')
  t.ok(store.isUnavailable(failure), `as an outage (${String(failure)})`)
  t.equal(await store.projects.findByName('after the loss'), undefined, 'and wrote nothing')
  const project = await store.commits.run(async tx => await tx.projects.create('next'))
  t.equal(project.name, 'next', 'the next transaction gets a working connection from the one-connection pool')
})
