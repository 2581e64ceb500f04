// The baselines: Fastify, no validation, no pool, no encryption, no database,
// no files. Plain JavaScript, run by plain node: no loader between it and the load.
//  - P3: generate a key with Node's asynchronous generateKeyPair (JWK out) and answer it;
//  - P6, P7: answer bytes a scenario put there first (`PUT /fixture/:name`), or 304 for its ETag.
import { generateKeyPair } from 'node:crypto'
import Fastify from 'fastify'

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 })
// The JWK comes out of the generation call, as in jwkd (src/crypto/generate-jwk.ts says why).
const JWK_OUT = { privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } }
const generate = (type, options) => new Promise((resolve, reject) =>
  generateKeyPair(type, { ...options, ...JWK_OUT }, (err, _publicKey, privateKey) => err === null ? resolve(privateKey) : reject(err)))
app.post('/generate/:kind', async (request) => {
  const jwk = request.params.kind === 'ed25519' ? await generate('ed25519', {}) : await generate('ec', { namedCurve: 'P-256' })
  return { success: true, jwk }
})

const fixtures = new Map()
app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body))
app.put('/fixture/:name', async (request) => {
  fixtures.set(request.params.name, { body: request.body, type: request.headers['x-content-type'] ?? 'application/json', etag: request.headers['x-etag'] })
  return { stored: true }
})
app.get('/fixture/:name', async (request, reply) => {
  const fixture = fixtures.get(request.params.name)
  if (fixture.etag !== undefined && request.headers['if-none-match'] === fixture.etag) return reply.code(304).header('etag', fixture.etag).send()
  return reply.header('content-type', fixture.type).send(fixture.body)
})

const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`listening ${url}\n`)
// A baseline has nothing to finish: stop at once.
process.once('SIGTERM', () => process.exit(0))
