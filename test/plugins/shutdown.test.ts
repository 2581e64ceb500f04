import type { AddressInfo } from 'node:net'
import t from 'tap'
import { buildTestApp, generateUrl, sqlOf } from '../helpers/app.js'

t.test('close lets an in-flight generation finish, then closes the pool and the database', async t => {
  const { app, auth } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}${generateUrl()}`
  // fetch keeps its connection alive: without `Connection: close` on the
  // answer, close() would wait out Fastify's 72 s keep-alive timeout.
  const inFlight = fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'slow', type: 'RSA', rsa: { keySize: 4096 } }) })
  await new Promise(resolve => setTimeout(resolve, 100))
  const started = Date.now()
  const closed = app.close()
  const response = await inFlight
  t.equal(response.status, 200, 'the in-flight request completed')
  t.equal(response.headers.get('connection'), 'close', 'the client is told to hang up')
  await closed
  t.ok(Date.now() - started < 30_000, 'close did not wait for the keep-alive timeout')
  t.notOk(sqlOf(app).isOpen(), 'database closed after the request finished')
})
