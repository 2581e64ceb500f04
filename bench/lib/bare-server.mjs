// The P3 baseline: Fastify, one route, generate + export on the request's
// thread, no validation, no pool, no encryption, no database, no files.
// Plain JavaScript, run by plain node: no loader between it and the load.
import { generateKeyPairSync } from 'node:crypto'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
// The JWK comes out of the generation call, as in jwkd: exporting the returned
// KeyObject instead can deadlock the thread on Node 20 (src/crypto/generate-jwk.ts)
// — this baseline did, answering nothing for the rest of its run. Same speed.
const JWK_OUT = { privateKeyEncoding: { format: 'jwk' }, publicKeyEncoding: { format: 'jwk' } }
app.post('/generate/:kind', async (request) => {
  const { kind } = request.params
  const { privateKey } = kind === 'ed25519' ? generateKeyPairSync('ed25519', JWK_OUT) : generateKeyPairSync('ec', { namedCurve: 'P-256', ...JWK_OUT })
  return { success: true, jwk: privateKey }
})
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`listening ${url}\n`)
// A baseline has nothing to finish: stop at once.
process.once('SIGTERM', () => process.exit(0))
