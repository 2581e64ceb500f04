import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildTestApp, generateUrl } from '../helpers/app.js'

/** docs/API.md, "Work off the event loop": a bounded queue answers 503 with Retry-After; a client that leaves while queued is cancelled. */

const rsa4096 = (name: string): object => ({ name, type: 'RSA', rsa: { keySize: 4096 } })

t.test('a full queue answers 503 with Retry-After, and cheap requests still answer', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_POOL_SIZE: '1', JWKD_POOL_MAX_QUEUE: '1' } })
  const inFlight = [0, 1, 2, 3, 4].map(index => app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: rsa4096(`big-${index}`) }))
  const list = await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: auth })
  t.equal(list.statusCode, 200, 'list answers while the pool is saturated')
  const responses = await Promise.all(inFlight)
  const refused = responses.filter(response => response.statusCode === 503)
  t.equal(responses.filter(response => response.statusCode === 200).length, 2, 'one running, one queued')
  t.equal(refused.length, 3, 'the rest refused')
  for (const response of refused) {
    t.equal(response.headers['retry-after'], '1')
    t.same(response.json(), { error: 'service_unavailable', error_description: 'The key generation queue is full; retry shortly' })
  }
  t.equal((await app.store.jwks.listByProject((await app.store.projects.findByName('MyProject'))!.id)).length, 2, 'refused requests stored nothing')
})

t.test('the refusal is immediate: it does not wait for a worker', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_POOL_SIZE: '1', JWKD_POOL_MAX_QUEUE: '1' } })
  let finished = 0
  const busy = [0, 1].map(async index => {
    const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: rsa4096(`fill-${index}`) })
    finished++
    return response
  })
  while (app.keygen.queueSize('heavy') < 1) await new Promise(resolve => setTimeout(resolve, 5))
  const refused = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: rsa4096('one-too-many') })
  t.equal(refused.statusCode, 503)
  t.equal(finished, 0, 'answered while both RSA-4096 keys still occupy the lane')
  t.same((await Promise.all(busy)).map(response => response.statusCode), [200, 200])
})

t.test('a client that disconnects while queued gets no key stored, and the keys ahead of it are answered', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_POOL_SIZE: '1' } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const post = (body: object): ReturnType<typeof request> => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: generateUrl(), headers: { ...auth, 'content-type': 'application/json' } })
    req.on('error', () => {})
    req.end(JSON.stringify(body))
    return req
  }
  let finished = 0
  const answered = (name: string): Promise<number> => new Promise(resolve =>
    post(rsa4096(name)).on('response', response => { response.resume(); finished++; resolve(response.statusCode ?? 0) }))
  const until = async (condition: () => boolean): Promise<void> => {
    while (!condition()) await new Promise(resolve => setTimeout(resolve, 2))
  }
  // Four RSA-4096 keys on the only worker: one runs, three wait, and the
  // leaver waits behind them. That its task leaves the queue at once is
  // test/pool/lanes.test.ts's; here, that nothing of it is stored.
  const occupants = ['occupant-1', 'occupant-2', 'occupant-3', 'occupant-4']
  const busy = occupants.map(answered)
  await until(() => app.keygen.queueSize('heavy') + finished >= occupants.length - 1)
  const leaver = post(rsa4096('left-while-queued'))
  await until(() => app.keygen.queueSize('heavy') + finished >= occupants.length)
  t.ok(finished < occupants.length, 'the leaver is queued behind an occupant')
  leaver.destroy()
  t.same(await Promise.all(busy), [200, 200, 200, 200])
  const names = (await app.store.jwks.listByProject((await app.store.projects.findByName('MyProject'))!.id)).map(record => record.name)
  t.same(names, occupants, 'nothing stored for the client that left')
})
