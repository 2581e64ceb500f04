import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { PROJECT, buildTestApp } from '../helpers/app.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/**
 * URL imports and the address policy, end to end. Every target is on this
 * machine's loopback: refused by default, reached only with
 * JWKD_IMPORT_ALLOW_PRIVATE=true. The other address classes are proven in
 * test/services/address-policy.test.ts, without a socket.
 */
const createUrl = `/apiops/projects/${PROJECT}/jwks/`

interface Target { server: Server, hits: () => number, port: number }

async function jwksServer (t: Test, host: string, port = 0): Promise<Target | undefined> {
  let hits = 0
  const server = createServer((req, res) => {
    hits++
    if (req.url === '/silent') return
    const { d: _d, ...publicKey } = freshPrivateJwk('ed25519')
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicKey, kid: randomUUID() }] }))
  })
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve))
  } catch {
    return undefined // no such loopback address on this machine (an IPv6-less container)
  }
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { server, hits: () => hits, port: (server.address() as AddressInfo).port }
}

const v4 = await jwksServer(t, '127.0.0.1')
if (v4 === undefined) throw new Error('no 127.0.0.1')
const second = await jwksServer(t, '127.0.0.2')
const v6 = await jwksServer(t, '::1', v4.port)
const totalHits = (): number => v4.hits() + (second?.hits() ?? 0) + (v6?.hits() ?? 0)

const LOOPBACK_URLS = [
  `http://127.0.0.1:${v4.port}/jwks.json`,
  `http://127.0.0.2:${second?.port ?? v4.port}/jwks.json`,
  `http://localhost:${v4.port}/jwks.json`,
  `http://2130706433:${v4.port}/jwks.json`,
  `http://0x7f000001:${v4.port}/jwks.json`,
  `http://0177.0.0.1:${v4.port}/jwks.json`,
  `http://127.1:${v4.port}/jwks.json`,
  `http://[::ffff:127.0.0.1]:${v4.port}/jwks.json`,
  `http://[::1]:${v4.port}/jwks.json`,
  `https://127.0.0.1:${v4.port}/jwks.json`
]

t.test('by default every loopback spelling is refused before a connection is made', async t => {
  const logged: string[] = []
  const { app, auth } = await buildTestApp(t, { logger: { level: 'warn', stream: { write: line => { logged.push(line) } } } })
  for (const [index, url] of LOOPBACK_URLS.entries()) {
    logged.length = 0
    const response = await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: `refused-${index}`, sourceType: 'URL', url } })
    t.equal(response.statusCode, 400, url)
    t.same(response.json(), { error: 'bad_request', error_description: `The key could not be fetched from ${new URL(url).origin}` })
    t.ok(logged.some(line => /is a loopback address; set JWKD_IMPORT_ALLOW_PRIVATE=true/.test(line)), `the log says why: ${url}`)
  }
  t.equal(totalHits(), 0, 'no request reached any local server')
  t.equal((await app.store.jwks.listByProject((await app.store.projects.findByName(PROJECT))!.id)).length, 0, 'nothing stored')
})

t.test('JWKD_IMPORT_ALLOW_PRIVATE=true opens them', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_IMPORT_ALLOW_PRIVATE: 'true' } })
  const reachable = LOOPBACK_URLS.filter(url => !url.startsWith('https:') &&
    (!url.includes('127.0.0.2') || second !== undefined) && (!url.includes('[::1]') || v6 !== undefined))
  for (const [index, url] of reachable.entries()) {
    const before = totalHits()
    const response = await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: `allowed-${index}`, sourceType: 'URL', url } })
    t.equal(response.statusCode, 200, `${url}: ${response.body}`)
    t.equal(totalHits(), before + 1, `${url} was fetched`)
  }
})

t.test('at most four URL imports at once; the fifth is a 503 with Retry-After', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_IMPORT_ALLOW_PRIVATE: 'true' } })
  const silent = `http://127.0.0.1:${v4.port}/silent`
  const before = v4.hits()
  const held = [0, 1, 2, 3].map(async index => await app.inject({
    method: 'POST', url: createUrl, headers: auth, payload: { name: `held-${index}`, sourceType: 'URL', url: silent, urlOptionReadTimeout: 300_000 }
  }))
  while (v4.hits() < before + 4) await new Promise(resolve => setTimeout(resolve, 10))
  const fifth = await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'fifth', sourceType: 'URL', url: silent } })
  t.equal(fifth.statusCode, 503)
  t.same(fifth.json(), { error: 'service_unavailable', error_description: '4 URL imports are in progress already; retry shortly' })
  t.equal(fifth.headers['retry-after'], '1')
  t.equal(v4.hits(), before + 4, 'the fifth fetched nothing')
  const pasted = await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'pasted', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(freshPrivateJwk('ed25519')) } })
  t.equal(pasted.statusCode, 200, 'pasted imports are not limited')
  v4.server.closeAllConnections()
  for (const response of await Promise.all(held)) t.equal(response.statusCode, 400, 'the held imports end as failed fetches')
  const after = await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'after', sourceType: 'URL', url: `http://127.0.0.1:${v4.port}/jwks.json` } })
  t.equal(after.statusCode, 200, 'the places are free again')
})
