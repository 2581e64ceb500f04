import t from 'tap'
import { buildTestApp, generateUrl } from '../helpers/app.js'

/** After one generate per key type, /metrics holds a keygen histogram sample for each. */
t.test('keygen, request and pool metrics', async t => {
  const { app, auth } = await buildTestApp(t)
  const bodies = [
    { type: 'RSA', rsa: { keySize: 2048 } },
    { type: 'EC', ec: { curveType: 'P256' } },
    { type: 'OKP', okp: { curveType: 'ED25519' } },
    { type: 'OCT', oct: { keySize: 256 } }
  ]
  for (const [index, body] of bodies.entries()) {
    t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: `m-${index}`, ...body } })).statusCode, 200)
  }
  await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: '' } })
  const scrape = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(scrape.statusCode, 200)
  t.match(scrape.headers['content-type'], /^text\/plain/)
  const text = scrape.body
  for (const [type, size] of [['RSA', '2048'], ['EC', 'P-256'], ['OKP', 'Ed25519'], ['OCT', '256']]) {
    t.match(text, new RegExp(`^jwkd_keygen_duration_seconds_count\\{type="${type}",size="${size}"\\} 1$`, 'm'), `${type} ${size} sampled once`)
    const sum = Number(new RegExp(`^jwkd_keygen_duration_seconds_sum\\{type="${type}",size="${size}"\\} (\\S+)$`, 'm').exec(text)?.[1])
    t.ok(sum > 0, `${type} ${size} took measurable time`)
  }
  t.match(text, /^jwkd_http_requests_total\{method="POST",route="\/apiops\/projects\/:projectName\/jwks\/generate",status="200"\} 4$/m, 'requests by route pattern')
  t.match(text, /^jwkd_http_requests_total\{method="POST",route="\/apiops\/projects\/:projectName\/jwks\/generate",status="400"\} 1$/m)
  t.match(text, /^jwkd_http_request_duration_seconds_bucket\{le="0\.001",method="POST"/m)
  t.match(text, /^jwkd_keygen_pool_threads\{lane="heavy"\} 1$/m, 'one RSA key at a time started one heavy thread')
  t.match(text, new RegExp(`^jwkd_keygen_pool_threads\\{lane="light"\\} ${process.env.UV_THREADPOOL_SIZE ?? 4}$`, 'm'), 'libuv\'s threads')
  t.match(text, /^jwkd_keygen_queue_depth\{lane="heavy"\} 0$/m)
  t.match(text, /^jwkd_keygen_pool_utilization\{lane="light"\} [0-9.e-]+$/m)
  t.match(text, /^jwkd_keygen_rejected_total 0$/m)
  t.match(text, /^jwkd_process_resident_memory_bytes \d+/m, 'process metrics')
  t.notOk(text.includes('m-0'), 'no key names in metrics')
})

t.test('refusals for a full queue are counted', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_POOL_SIZE: '1', JWKD_POOL_MAX_QUEUE: '1' } })
  const responses = await Promise.all([0, 1, 2, 3].map(index =>
    app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: `q-${index}`, type: 'RSA', rsa: { keySize: 4096 } } })))
  const refused = responses.filter(response => response.statusCode === 503).length
  t.equal(refused, 2)
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, new RegExp(`^jwkd_keygen_rejected_total ${refused}$`, 'm'))
})
