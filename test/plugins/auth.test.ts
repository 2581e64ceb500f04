import t from 'tap'
import { ROLES } from '../../src/auth/roles.js'
import { issueToken } from '../../src/auth/tokens.js'
import { buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'

/** docs/API.md, "Authentication and authorization": 401 for any bad token, 403 for a missing role, 404 for a project out of reach. */
const { app, auth } = await buildTestApp(t)
await app.store.projects.create('Other')

const token = async (options: { roles?: string[], projects?: string[], expiresAt?: Date | null, name: string }): Promise<string> =>
  (await issueToken(app.store, { roles: options.roles ?? [ROLES.apiSecurity, ROLES.deploy], projects: options.projects ?? ['*'], expiresAt: options.expiresAt ?? null, name: options.name })).token

const body = { name: 'k', type: 'OCT', oct: { keySize: 256 } }

t.test('401 for a missing, malformed, unknown, expired or revoked token', async t => {
  const expired = await token({ name: 'expired', expiresAt: new Date(Date.now() - 1000) })
  const revoked = await token({ name: 'revoked' })
  await app.store.tokens.revoke('revoked')
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    'no scheme': auth.authorization.replace('Bearer ', ''),
    'basic scheme': 'Basic dXNlcjpwYXNz',
    'empty bearer': 'Bearer ',
    'two tokens': `${auth.authorization} extra`,
    unknown: 'Bearer jwkd_thisTokenWasNeverIssued',
    expired: `Bearer ${expired}`,
    revoked: `Bearer ${revoked}`
  }
  for (const [label, authorization] of Object.entries(cases)) {
    for (const [method, url] of [['POST', generateUrl()], ['GET', '/apiops/projects/MyProject/jwks/'], ['GET', '/apiops/projects/Nope/jwks/x/']] as const) {
      const response = await app.inject({ method, url, headers: authorization === undefined ? {} : { authorization }, payload: method === 'POST' ? body : undefined })
      t.equal(response.statusCode, 401, `${label} ${method} ${url}`)
      t.equal(response.headers['www-authenticate'], 'Bearer')
      t.same(response.json(), { error: 'unauthorized_client', error_description: 'Invalid token' })
    }
  }
})

t.test('an unauthenticated request is refused before its body is read', async t => {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: { 'content-type': 'text/plain' }, payload: 'not json' })
  t.equal(response.statusCode, 401)
})

t.test('403 when a role is missing', async t => {
  const readOnly = { authorization: `Bearer ${await token({ name: 'read-only', roles: [ROLES.apiSecurity] })}` }
  const deployOnly = { authorization: `Bearer ${await token({ name: 'deploy-only', roles: [ROLES.deploy] })}` }
  const forbidden = { error: 'forbidden', error_description: 'You do not have permission to perform this action' }
  let response = await app.inject({ method: 'POST', url: generateUrl(), headers: readOnly, payload: body })
  t.equal(response.statusCode, 403, 'generate needs the deploy role')
  t.same(response.json(), forbidden)
  response = await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: readOnly })
  t.equal(response.statusCode, 200, 'list needs only API security')
  response = await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: deployOnly })
  t.equal(response.statusCode, 403, 'every /jwks route needs API security')
  t.same(response.json(), forbidden)
  response = await app.inject({ method: 'POST', url: generateUrl(), headers: deployOnly, payload: body })
  t.equal(response.statusCode, 403)
})

t.test('404 for a missing project and for one outside the token scope, with one message', async t => {
  const scoped = { authorization: `Bearer ${await token({ name: 'scoped', projects: ['MyProject'] })}` }
  const expected = (name: string): object => ({ error: 'not_found', error_description: `Project (${name}) is not found or user does not have privilege to access it!` })
  let response = await app.inject({ method: 'POST', url: generateUrl('Other'), headers: scoped, payload: body })
  t.equal(response.statusCode, 404, 'exists but out of scope')
  t.same(response.json(), expected('Other'))
  response = await app.inject({ method: 'GET', url: '/apiops/projects/Ghost/jwks/', headers: scoped })
  t.equal(response.statusCode, 404, 'does not exist')
  t.same(response.json(), expected('Ghost'))
  response = await app.inject({ method: 'POST', url: generateUrl('Ghost'), headers: auth, payload: { not: 'valid' } })
  t.equal(response.statusCode, 404, 'the project is checked before the body')
  response = await app.inject({ method: 'POST', url: generateUrl('MyProject'), headers: scoped, payload: body })
  t.equal(response.statusCode, 200, 'in scope works')
  t.equal((await app.store.jwks.listByProject((await app.store.projects.findByName('Other'))!.id)).length, 0, 'nothing stored out of scope')
})

t.test('a token is stored only as its hash', async t => {
  const value = await token({ name: 'hash-check' })
  const row = await sqlOf(app).one('SELECT * FROM tokens WHERE name = ?', 'hash-check') as Record<string, string>
  t.notOk(Object.values(row).some(field => typeof field === 'string' && field.includes(value.slice(5))), 'no column holds the token')
  t.match(row.hash, /^[0-9a-f]{64}$/)
  t.equal(Buffer.from(value.slice('jwkd_'.length), 'base64url').length, 32, '256 random bits')
})

t.test('revocation takes effect on the next request', async t => {
  const value = await token({ name: 'short-lived' })
  const headers = { authorization: `Bearer ${value}` }
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('nothing'), headers })).statusCode, 400, 'let in: the key is not there')
  await app.store.tokens.revoke('short-lived')
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('nothing'), headers })).statusCode, 401)
})
