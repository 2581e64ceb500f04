import { getPriority } from 'node:os'
import t from 'tap'
import { KeygenPool, LaneProgress } from '../../src/pool/keygen-pool.js'
import { threadNiceValues } from '../helpers/threads.js'

const rsaTask = (): any => {
  const now = Math.floor(Date.now() / 1000)
  return { material: { kty: 'RSA', modulusLength: 2048 }, use: 'sig', iat: now, nbf: now, exp: now + 60 }
}

/** docs/API.md, "Work off the event loop": RSA work runs in its own lane at the lowest priority; light keys need no worker thread. */
t.test('heavy workers run at nice 19 and start on demand; light keys start no worker thread', async t => {
  const pool = new KeygenPool({ size: 2, maxQueue: 8 })
  t.teardown(() => pool.close())
  t.equal(pool.size('heavy'), 0, 'no RSA work yet: no heavy thread')
  t.ok(pool.ready())
  const now = Math.floor(Date.now() / 1000)
  for (const material of [{ kty: 'EC', crv: 'P-521' }, { kty: 'OKP', crv: 'Ed25519' }, { kty: 'OKP', crv: 'X448' }, { kty: 'oct', bits: 256 }] as const) {
    const { jwk } = await pool.generate({ material, use: material.crv === 'X448' ? 'enc' : 'sig', iat: now, nbf: now, exp: now + 60 })
    t.equal(jwk.kty, material.kty)
  }
  t.equal(pool.size('heavy'), 0, 'EC, OKP and oct keys were made without a worker thread')
  t.equal(threadNiceValues().filter(nice => nice === 19).length, 0, 'no thread at nice 19 before RSA work')
  await pool.generate(rsaTask())
  t.equal(pool.size('heavy'), 1, 'started by the work')
  await Promise.all([0, 1, 2].map(async () => await pool.generate(rsaTask())))
  t.equal(pool.size('heavy'), 2, 'never more than its size')
  t.equal(threadNiceValues().filter(nice => nice === 19).length, 2, 'both heavy threads run at nice 19')
  t.equal(getPriority(), 0, 'the event loop\'s thread keeps its priority')
  await pool.close()
  t.notOk(pool.ready(), 'closed')
})

t.test('an EC key does not wait behind RSA-4096 keys', async t => {
  const pool = new KeygenPool({ size: 1, maxQueue: 8 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = (material: any): any => ({ material, use: 'sig', iat: now, nbf: now, exp: now + 60 })
  const heavy = [0, 1, 2].map(() => pool.generate(task({ kty: 'RSA', modulusLength: 4096 })))
  let heavyDone = 0
  for (const job of heavy) job.then(() => heavyDone++, () => {})
  const ec = await pool.generate(task({ kty: 'EC', crv: 'P-256' }))
  t.equal(ec.jwk.crv, 'P-256')
  t.equal(heavyDone, 0, 'the EC key came back while all three RSA-4096 keys were still in the heavy lane')
  await Promise.all(heavy)
})

t.test('an RSA key whose client left while it waited leaves the queue at once, before the keys ahead of it', async t => {
  const pool = new KeygenPool({ size: 1, maxQueue: 8 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = { material: { kty: 'RSA', modulusLength: 4096 }, use: 'sig', iat: now, nbf: now, exp: now + 60 } as any
  const settled: string[] = []
  const occupants = [0, 1].map(async index => { await pool.generate(task); settled.push(`occupant-${index}`) })
  const gone = new AbortController()
  const leaver = pool.generate(task, gone.signal).catch((err: Error) => { settled.push('leaver'); return err.name })
  gone.abort()
  t.equal(await leaver, 'ClientGoneError')
  await Promise.all(occupants)
  // Had it stayed queued, it would have run after both and settled last.
  t.same(settled, ['leaver', 'occupant-0', 'occupant-1'], 'dropped before the occupant running ahead of it finished')
})

t.test('a light key whose client left is finished and its result dropped', async t => {
  const pool = new KeygenPool({ size: 2, maxQueue: 64 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = { material: { kty: 'EC', crv: 'P-256' }, use: 'sig', iat: now, nbf: now, exp: now + 60 } as any
  await pool.generate(task)
  const gone = new AbortController()
  const burst = Array.from({ length: 20 }, async () => await pool.generate(task, gone.signal))
  gone.abort()
  const outcomes = await Promise.allSettled(burst)
  t.ok(outcomes.every(outcome => outcome.status === 'rejected' && (outcome.reason as Error).name === 'ClientGoneError'), 'every answer dropped')
  t.equal(pool.queueSize('light'), 0, 'nothing left in flight')
  t.equal((await pool.generate(task)).jwk.crv, 'P-256', 'and it keeps working')
  const already = await pool.generate(task, AbortSignal.abort()).catch((err: Error) => err.name)
  t.equal(already, 'ClientGoneError', 'a client already gone is refused before the pool')
})

t.test('a lane holding work without finishing any is stalled; finishing anything resets the clock', async t => {
  const lane = new LaneProgress()
  t.notOk(lane.stalled(100_000, 30_000), 'idle is never stalled')
  lane.start(1_000)
  lane.start(2_000)
  t.notOk(lane.stalled(30_999, 30_000))
  t.ok(lane.stalled(31_000, 30_000), '30 s of work held and nothing finished')
  lane.finish(31_500)
  t.notOk(lane.stalled(61_499, 30_000), 'one finished: the clock starts again')
  t.ok(lane.stalled(61_500, 30_000), 'the other still out')
  lane.finish(70_000)
  t.notOk(lane.stalled(1_000_000, 30_000), 'idle again')
})

t.test('/ready\'s pool check fails while the light lane is past its stall limit', async t => {
  // A limit of 0 ms: any light task in flight counts as stalled, so the check is seen both ways on real threads.
  const pool = new KeygenPool({ size: 2, maxQueue: 8, stallMs: 0 })
  t.teardown(() => pool.close())
  t.ok(pool.ready(), 'idle')
  const now = Math.floor(Date.now() / 1000)
  const pending = pool.generate({ material: { kty: 'OKP', crv: 'Ed448' }, use: 'sig', iat: now, nbf: now, exp: now + 60 } as any)
  t.notOk(pool.ready(), 'work held, nothing finished within the limit')
  t.equal((await pending).jwk.crv, 'Ed448')
  t.ok(pool.ready(), 'finished: ready again')
})

t.test('the light lane is bounded: keys in flight beyond maxQueue are a 503', async t => {
  const pool = new KeygenPool({ size: 1, maxQueue: 4 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = { material: { kty: 'EC', crv: 'P-521' }, use: 'sig', iat: now, nbf: now, exp: now + 60 } as any
  // Handed in within one turn: none can come back before the fifth is asked for.
  const outcomes = await Promise.allSettled(Array.from({ length: 6 }, async () => await pool.generate(task)))
  t.same(outcomes.map(outcome => outcome.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected'])
  t.same(outcomes.slice(4).map(outcome => (outcome as PromiseRejectedResult).reason.message), ['The key generation queue is full; retry shortly', 'The key generation queue is full; retry shortly'])
  t.equal((await pool.generate(task)).jwk.crv, 'P-521', 'room again once they are back')
})

t.test('a burst of light keys: forty distinct keys, and a bad task fails alone', async t => {
  const pool = new KeygenPool({ size: 2, maxQueue: 128 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = (crv: string): any => ({ material: { kty: 'OKP', crv }, use: 'sig', iat: now, nbf: now, exp: now + 60 })
  const outcomes = await Promise.allSettled([...Array.from({ length: 40 }, () => pool.generate(task('Ed25519'))), pool.generate(task('Ed999'))])
  const keys = outcomes.slice(0, 40).map(outcome => outcome.status === 'fulfilled' ? outcome.value.jwk.x : undefined)
  t.equal(new Set(keys).size, 40, 'forty distinct keys')
  t.equal(outcomes[40]!.status, 'rejected', 'the impossible curve is refused')
  t.equal(pool.queueSize('light'), 0, 'nothing left waiting')
})
