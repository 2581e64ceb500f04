import t from 'tap'
import { KeygenPool, LaneProgress } from '../../src/pool/keygen-pool.js'

/** SPEC §6 / issue P2: RSA work runs in its own lane at the lowest priority. */
t.test('heavy workers run at nice 19, light workers at the process priority', async t => {
  const pool = new KeygenPool({ size: 2, maxQueue: 8 })
  t.teardown(() => pool.close())
  t.equal(pool.size('heavy'), 0, 'no RSA work yet: no heavy thread')
  t.equal(pool.size('light'), 1, 'the light lane is always up')
  t.ok(pool.ready())
  t.equal(await pool.niceness('heavy'), 19)
  t.equal(pool.size('heavy'), 1, 'started by the work')
  await Promise.all([0, 1, 2].map(async () => await pool.niceness('heavy')))
  t.equal(pool.size('heavy'), 2, 'never more than its size')
  t.equal(await pool.niceness('light'), 0)
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

t.test('a light task whose client left is finished, not torn down, and its result dropped', async t => {
  const pool = new KeygenPool({ size: 2, maxQueue: 64 })
  t.teardown(() => pool.close())
  const now = Math.floor(Date.now() / 1000)
  const task = { material: { kty: 'EC', crv: 'P-256' }, use: 'sig', iat: now, nbf: now, exp: now + 60 } as any
  await pool.generate(task)
  const threadBefore = pool.threadIds('light')
  const gone = new AbortController()
  const burst = Array.from({ length: 20 }, async () => await pool.generate(task, gone.signal))
  gone.abort()
  const outcomes = await Promise.allSettled(burst)
  t.ok(outcomes.every(outcome => outcome.status === 'rejected' && (outcome.reason as Error).name === 'ClientGoneError'), 'every answer dropped')
  t.same(pool.threadIds('light'), threadBefore, 'the same light thread, never terminated')
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

t.test('a burst of light keys on real threads: forty distinct keys, and a bad task fails alone', async t => {
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
