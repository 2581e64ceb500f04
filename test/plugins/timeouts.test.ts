import { once } from 'node:events'
import type { AddressInfo, Socket } from 'node:net'
import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { buildTestApp, generateUrl } from '../helpers/app.js'

/**
 * A slow or refused client cannot hold a socket: a request must arrive
 * whole within the request timeout, and a 401 or 403 closes the connection
 * instead of waiting for the rest of a body.
 */
const { app, token } = await buildTestApp(t, { requestTimeout: { ms: 500, checkEveryMs: 100 } })
await app.listen({ host: '127.0.0.1', port: 0 })
const { port } = app.server.address() as AddressInfo

/** Sends `head` and a first byte of a declared 1000-byte body, then nothing: what comes back before the socket closes. */
async function trickle (t: Test, headers: string): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', chunk => { received += chunk.toString('utf8') })
  socket.write(`POST ${generateUrl()} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n${headers}\r\n{`)
  // Far longer than the timeouts under test: a socket still open by then is held.
  const guard = setTimeout(() => socket.destroy(new Error('the server kept the connection open')), 20_000)
  try {
    await once(socket, 'close')
  } finally {
    clearTimeout(guard)
  }
  t.notOk(socket.errored, 'the server closed it')
  return received
}

t.test('a body that trickles in is cut off with a 408', async t => {
  const received = await trickle(t, `Authorization: Bearer ${token}\r\n`)
  t.match(received, /^HTTP\/1\.1 408 /)
  t.match(received, /"error":"request_timeout"/)
})

t.test('a 401 closes the connection rather than wait for the body', async t => {
  const received = await trickle(t, 'Authorization: Bearer not-a-token\r\n')
  t.match(received, /^HTTP\/1\.1 401 /)
  t.notMatch(received, / 408 /, 'closed by the 401, not by the request timeout')
})

t.test('so does a 403', async t => {
  const { issueToken } = await import('../../src/auth/tokens.js')
  const reader = (await issueToken(app.store, { name: 'reader', roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: null })).token
  const received = await trickle(t, `Authorization: Bearer ${reader}\r\n`)
  t.match(received, /^HTTP\/1\.1 403 /)
  t.notMatch(received, / 408 /, 'closed by the 403, not by the request timeout')
})
