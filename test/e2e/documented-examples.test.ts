import { readFileSync } from 'node:fs'
import t from 'tap'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { SUCCESS_BODY } from '../helpers/app.js'
import { runCliProcess, startServer } from '../helpers/processes.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * The seven curl examples and the four full request bodies of the Apinizer
 * document, against a real server process over real HTTP, with two
 * environments: each must answer 200 with exactly the documented body.
 */
const curlExamples = [
  { name: 'generated-rsa-jwk', description: 'Auto-generated RSA 2048-bit JWK', type: 'RSA', kid: 'rsa-2048-key-1', rsa: { keySize: 2048 } },
  { name: 'generated-rsa-4096-jwk', description: 'Auto-generated RSA 4096-bit JWK', type: 'RSA', kid: 'rsa-4096-key-1', rsa: { keySize: 4096 } },
  { name: 'generated-ec-jwk', description: 'Auto-generated EC P-256 JWK', type: 'EC', kid: 'ec-p256-key-1', ec: { curveType: 'P256' } },
  { name: 'generated-ec-p384-jwk', description: 'Auto-generated EC P-384 JWK', type: 'EC', kid: 'ec-p384-key-1', ec: { curveType: 'P384' } },
  { name: 'generated-oct-jwk', description: 'Auto-generated 256-bit symmetric key', type: 'OCT', kid: 'oct-256-key-1', oct: { keySize: 256 } },
  { name: 'generated-okp-jwk', description: 'Auto-generated Ed25519 JWK', type: 'OKP', kid: 'okp-ed25519-key-1', okp: { curveType: 'ED25519' } },
  { name: 'generated-x25519-jwk', description: 'Auto-generated X25519 JWK for key exchange', type: 'OKP', kid: 'okp-x25519-key-1', okp: { curveType: 'X25519' } }
]

const fullBodies = [
  {
    name: 'generated-rsa-jwk',
    description: 'Auto-generated RSA JWK',
    type: 'RSA',
    kid: 'rsa-key-1',
    rsa: { keySize: 2048, keyUseType: 'SIGNATURE', algorithm: 'RSA256', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' }
  },
  {
    name: 'generated-ec-jwk',
    description: 'Auto-generated EC JWK',
    type: 'EC',
    kid: 'ec-key-1',
    ec: { curveType: 'P256', keyUseType: 'SIGNATURE', algorithm: 'ES256', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' }
  },
  {
    name: 'generated-oct-jwk',
    description: 'Auto-generated symmetric key',
    type: 'OCT',
    kid: 'oct-key-1',
    oct: {
      keySize: 256,
      keyUseType: 'SIGNATURE',
      algorithm: 'HS256',
      keyIdType: 'TIMESTAMP',
      passwordSaltLength: 8,
      passwordIterationCount: 1000,
      notBeforeTime: '2024-01-01T00:00:00Z',
      expirationTime: '2025-01-01T00:00:00Z'
    }
  },
  {
    name: 'generated-okp-jwk',
    description: 'Auto-generated OKP JWK',
    type: 'OKP',
    kid: 'okp-key-1',
    okp: { curveType: 'ED25519', keyUseType: 'SIGNATURE', algorithm: 'EdDSA', keyIdType: 'TIMESTAMP', notBeforeTime: '2024-01-01T00:00:00Z', expirationTime: '2025-01-01T00:00:00Z' }
  }
]

const dataDir = t.testdir()
const env = dataEnv(dataDir)
for (const args of [['project', 'create', 'MyProject'], ['project', 'create', 'DocBodies'], ['env', 'create', 'staging']]) {
  const result = runCliProcess(args, env)
  t.equal(result.status, 0, `jwkd ${args.join(' ')}: ${result.stderr}`)
}
const server = await startServer(env)
t.teardown(() => server.stop())
const token = readFileSync(adminTokenPath(dataDir), 'utf8').trim()
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

async function post (project: string, body: unknown): Promise<Response> {
  return await fetch(`${server.url}/apiops/projects/${project}/jwks/generate`, { method: 'POST', headers, body: JSON.stringify(body) })
}

for (const [project, examples] of [['MyProject', curlExamples], ['DocBodies', fullBodies]] as const) {
  t.test(`${project}: ${examples.length} documented requests`, async t => {
    for (const body of examples) {
      const response = await post(project, body)
      t.equal(response.status, 200, `${body.name}: 200`)
      t.same(await response.json(), SUCCESS_BODY(['production', 'staging']), `${body.name}: exact body, both environments`)
      t.equal(response.headers.get('location'), `/apiops/projects/${project}/jwks/${body.name}/`, `${body.name}: Location`)
      const read = await fetch(`${server.url}${response.headers.get('location')}`, { headers })
      const item = ((await read.json()) as { resultList: Array<Record<string, any>> }).resultList[0]!
      t.equal(item.kid, body.kid, `${body.name}: the documented kid`)
      t.equal(item[body.type.toLowerCase()].kid, body.kid)
    }
  })
}

t.test('an error over real HTTP has the Apinizer shape', async t => {
  const response = await post('MyProject', curlExamples[0])
  t.equal(response.status, 400)
  t.same(await response.json(), {
    error: 'bad_request',
    error_description: 'JWK (name: generated-rsa-jwk) is already exist! Try update operation if want to change its value.'
  })
})

t.test('the log names the admin token file, never the token', async t => {
  t.match(server.output(), adminTokenPath(dataDir))
  t.notOk(server.output().includes(token), 'token value absent from the log')
})

t.test('SIGTERM shuts down cleanly', async t => {
  t.equal(await server.stop('SIGTERM'), 0)
})
