import { setImmediate as nextTurn } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { openDatabase, type Db } from '../../src/store/database.js'
import { GroupCommit } from '../../src/store/group-commit.js'

/** Group commit on a real SQLite file: what shares a transaction, what waits, what fails alone. */

// Waits long enough that a busy machine cannot end them early; the one test about the wait sets its own.
function setup (t: Test, maxWaitMs = 60_000): { db: Db, commits: GroupCommit<undefined>, insert: (value: string) => () => Promise<number> } {
  const db = openDatabase(t.testdir())
  t.teardown(() => db.close())
  db.exec('CREATE TABLE items (value TEXT PRIMARY KEY)')
  const insert = (value: string) => async () => Number(db.prepare('INSERT INTO items (value) VALUES (?)').run(value).lastInsertRowid)
  return { db, commits: new GroupCommit(db, undefined, { maxWaitMs }), insert }
}

// Writes of one flush run back to back in one synchronous transaction: a
// marker cleared on the next turn of the event loop is still set for every
// write of the same flush, and gone for a later one.
function flushWitness (): { mark: () => void, sameFlush: () => boolean } {
  let marker = false
  return {
    mark: () => {
      marker = true
      setImmediate(() => { marker = false })
    },
    sameFlush: () => marker
  }
}

t.test('announced writes handed in on different turns share one transaction', async t => {
  const { db, commits, insert } = setup(t)
  const witness = flushWitness()
  const first = commits.announce()
  const second = commits.announce()
  const a = first.run(async () => { witness.mark(); return await insert('a')() })
  await nextTurn()
  await nextTurn()
  let shared = false
  const b = second.run(async () => { shared = witness.sameFlush(); return await insert('b')() })
  await Promise.all([a, b])
  t.ok(shared, 'b ran in the flush that ran a, though it arrived two turns later')
  t.same(db.prepare('SELECT value FROM items ORDER BY value').pluck().all(), ['a', 'b'], 'both committed')
})

t.test('without announcements, writes of different turns commit separately', async t => {
  const { commits, insert } = setup(t)
  const witness = flushWitness()
  const a = commits.run(async () => { witness.mark(); return await insert('a')() })
  await a
  let shared = true
  await commits.run(async () => { shared = witness.sameFlush(); return await insert('b')() })
  t.notOk(shared)
})

t.test('a withdrawn announcement releases the batch at once; a forgotten one holds it only for the longest wait', async t => {
  const { commits, insert } = setup(t, 50)
  const gone = commits.announce()
  let committed = false
  const write = commits.run(insert('a')).then(() => { committed = true })
  gone.withdraw()
  gone.withdraw()
  await nextTurn()
  t.ok(committed, 'committed on the next turn, not after the wait')
  await write

  const forgotten = commits.announce()
  const started = performance.now()
  await commits.run(insert('b'))
  t.ok(performance.now() - started >= 49, 'waited for the announced write, then went without it')
  forgotten.withdraw()
})

t.test('a write that throws is rolled back alone; the rest of the batch commits', async t => {
  const { db, commits, insert } = setup(t)
  const results = await Promise.allSettled([commits.run(insert('x')), commits.run(insert('x')), commits.run(insert('y'))])
  t.same(results.map(result => result.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.match((results[1] as PromiseRejectedResult).reason, { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })
  t.same(db.prepare('SELECT value FROM items ORDER BY value').pluck().all(), ['x', 'y'])
})

t.test('a write that awaits something slow holds its transaction; the next batch waits for it instead of opening one inside it', async t => {
  const { db, commits, insert } = setup(t)
  const slow = commits.run(async () => {
    const id = await insert('slow')()
    await new Promise(resolve => setTimeout(resolve, 20))
    return id
  })
  await nextTurn()
  const next = commits.run(insert('next'))
  const results = await Promise.allSettled([slow, next])
  t.same(results.map(result => result.status), ['fulfilled', 'fulfilled'], 'neither failed on a transaction already open')
  t.same(db.prepare('SELECT value FROM items ORDER BY value').pluck().all(), ['next', 'slow'])
})
