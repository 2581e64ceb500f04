import t from 'tap'
import { PendingBatch } from '../../src/batching/pending-batch.js'

/** Handing items in and answering each caller: what the group commit and the deployer share. */
t.test('each caller gets its own outcome; a taken batch leaves the queue empty', async t => {
  const queue = new PendingBatch<string, number>()
  const a = queue.add('a')
  const b = queue.add('b')
  t.equal(queue.size, 2)
  const batch = queue.take()
  t.same(batch.items, ['a', 'b'])
  t.equal(queue.size, 0)
  const c = queue.add('c')
  batch.settle([{ ok: true, value: 1 }, { ok: false, error: new Error('b failed alone') }])
  t.equal(await a, 1)
  await t.rejects(b, /b failed alone/)
  t.equal(queue.size, 1, 'what came later waits for the next batch')
  queue.take().fail(new Error('the whole batch'))
  await t.rejects(c, /the whole batch/)
})
