import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { PRIVATE_JWK_MEMBERS, freshPrivateJwk } from '../helpers/keys.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * A whole working day logged at trace level — tokens created, keys generated,
 * imported, read back, refused — must hold no token and no private member.
 */
t.test('the log holds no token and no private key material', async t => {
  const lines: string[] = []
  const { app, auth, token: adminToken, dataDir } = await buildTestApp(t, { logger: { level: 'trace', stream: { write: line => { lines.push(line) } } } })
  const tokens = [adminToken]
  for (const name of ['alice', 'bob']) {
    const out: string[] = []
    t.equal(await runCli(['token', 'create', '--name', name, '--roles', 'ROLE_API_SECURITY,ROLE_DEPLOY_UNDEPLOY_PROXIES'], dataEnv(dataDir), { out: line => out.push(line), err: () => {} }), 0)
    tokens.push(out[0]!)
  }
  const alice = { authorization: `Bearer ${tokens[1]}` }

  const secrets: string[] = []
  const bodies = [
    { type: 'RSA', rsa: { keySize: 2048 } },
    { type: 'EC', ec: { curveType: 'SECP256K1' } },
    { type: 'OKP', okp: { curveType: 'X25519' } },
    { type: 'OCT', oct: { keySize: 512 } }
  ]
  for (const [index, body] of bodies.entries()) {
    const name = `logged-${index}`
    t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: alice, payload: { name, ...body } })).statusCode, 200)
    const jwk = (await app.inject({ method: 'GET', url: jwkUrl(name), headers: alice })).json().resultList[0][body.type.toLowerCase()]
    for (const member of PRIVATE_JWK_MEMBERS) if (typeof jwk[member] === 'string') secrets.push(jwk[member])
  }
  const pasted = freshPrivateJwk('ed448')
  secrets.push(pasted.d!)
  const createUrl = `/apiops/projects/${PROJECT}/jwks/`
  t.equal((await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'imported', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(pasted) } })).statusCode, 200)
  // refusals that carry key material in the request
  t.equal((await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'imported', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify(pasted) } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: createUrl, headers: auth, payload: { name: 'x', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify({ ...pasted, x: 'AAAA' }) } })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: createUrl, headers: { ...auth, 'content-type': 'application/json' }, payload: `{"jwkStr": "${pasted.d}",` })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('imported'), headers: { authorization: `Bearer ${tokens[2]}x` } })).statusCode, 401)
  // an unexpected failure is logged in full: it must not carry key material either
  await sqlOf(app).run("UPDATE jwks SET sealed_private = (SELECT sealed_private FROM jwks WHERE name = 'logged-0') WHERE name = 'logged-3'")
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('logged-3'), headers: auth })).statusCode, 500)

  const log = lines.join('')
  t.ok(lines.length > 20, `captured ${lines.length} log lines`)
  t.match(log, /unexpected error/, 'the failure was logged')
  for (const token of tokens) t.notOk(log.includes(token) || log.includes(token.slice(5)), 'no token in the log')
  for (const secret of secrets) t.notOk(log.includes(secret), 'no private member in the log')
  const requestLines = lines.map(line => JSON.parse(line)).filter(entry => entry.req !== undefined || entry.res !== undefined)
  t.ok(requestLines.length > 10)
  t.ok(requestLines.every(entry => typeof entry.reqId === 'string' && entry.reqId.length === 36), 'every request line carries its request id')
})

t.test('one line per request at info, written with the answer; the incoming line at debug', async t => {
  for (const [level, expected] of [['info', ['request completed']], ['debug', ['incoming request', 'request completed']]] as const) {
    const lines: string[] = []
    const { app, auth } = await buildTestApp(t, { logger: { level, stream: { write: line => { lines.push(line) } } } })
    lines.length = 0
    const response = await app.inject({ method: 'GET', url: jwkUrl('missing'), headers: auth })
    const entries = lines.map(line => JSON.parse(line)).filter(entry => entry.reqId === response.headers['x-request-id'])
    t.same(entries.map(entry => entry.msg), expected, level)
    const done = entries.at(-1)
    t.match(done, { level: 30, req: { method: 'GET', url: jwkUrl('missing') }, res: { statusCode: 400 }, responseTime: Number }, `${level}: method, URL, status and time on the answer's line`)
    t.notOk(JSON.stringify(done).includes(auth.authorization.slice(7)), 'no token')
  }
})
