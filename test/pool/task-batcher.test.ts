import { setImmediate as nextTurn } from 'node:timers/promises'
import t from 'tap'
import { TaskBatcher, type BatchOutcome } from '../../src/pool/task-batcher.js'

/** What goes out together, and what fails alone. `send` here squares numbers and records each call. */
function squaring (maxBatch: number): { batcher: TaskBatcher<number, number>, calls: number[][] } {
  const calls: number[][] = []
  const batcher = new TaskBatcher<number, number>(async tasks => {
    calls.push(tasks)
    return tasks.map((task): BatchOutcome<number> => task < 0 ? { ok: false, error: `negative: ${task}` } : { ok: true, value: task * task })
  }, maxBatch)
  return { batcher, calls }
}

t.test('tasks handed in during one turn go out in one call; a later turn makes another', async t => {
  const { batcher, calls } = squaring(32)
  const first = [1, 2, 3].map(async task => await batcher.run(task))
  await nextTurn()
  const later = batcher.run(4)
  t.same(await Promise.all([...first, later]), [1, 4, 9, 16])
  t.same(calls, [[1, 2, 3], [4]])
})

t.test('a burst larger than a batch is split, in order', async t => {
  const { batcher, calls } = squaring(2)
  t.same(await Promise.all([1, 2, 3, 4, 5].map(async task => await batcher.run(task))), [1, 4, 9, 16, 25])
  t.same(calls, [[1, 2], [3, 4], [5]])
})

t.test('one task failing fails alone; a failed call fails its whole batch', async t => {
  const { batcher } = squaring(32)
  const outcomes = await Promise.allSettled([2, -1, 3].map(async task => await batcher.run(task)))
  t.same(outcomes.map(outcome => outcome.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.match((outcomes[1] as PromiseRejectedResult).reason, { message: 'negative: -1' })

  const broken = new TaskBatcher<number, number>(async () => { throw new Error('worker gone') }, 32)
  const failed = await Promise.allSettled([1, 2].map(async task => await broken.run(task)))
  t.ok(failed.every(outcome => outcome.status === 'rejected' && (outcome.reason as Error).message === 'worker gone'))
  const short = new TaskBatcher<number, number>(async () => [], 32)
  await t.rejects(short.run(1), { message: 'the worker sent back no outcome for this task' })
})
