import t from 'tap'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { startCluster } from '../helpers/postgres.js'

/**
 * A failed statement aborts a PostgreSQL transaction, and its COMMIT then
 * answers ROLLBACK without raising: a failure caught inside the work must
 * not be reported as a commit of the work.
 */
const cluster = await startCluster(t)
const store = await PostgresStore.open(await cluster.createDatabase())
t.teardown(() => store.close())

t.test('a transaction whose failed statement was caught rejects instead of reporting a commit', async t => {
  const committing = store.commits.run(async tx => {
    await tx.projects.create('kept?')
    await tx.projects.create('kept?').catch(() => {})
    return 'committed'
  })
  await t.rejects(committing, /transaction rolled back/)
  t.equal(await store.projects.findByName('kept?'), undefined, 'nothing of it was written')
  t.equal((await store.commits.run(async tx => await tx.projects.create('next'))).name, 'next', 'and the connection serves the next transaction')
})
