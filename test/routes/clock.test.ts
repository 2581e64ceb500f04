import t from 'tap'
import { issueToken } from '../../src/auth/tokens.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'

/** One clock for every time the service stamps or compares: the one buildApp is given. */
let now = new Date('2040-07-08T09:10:11.000Z')
const { app, auth } = await buildTestApp(t, { clock: () => now })

t.test('keys, audit entries, tokens and resources are stamped with the injected clock', async t => {
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'stamped', type: 'OCT', oct: { keySize: 256 } } })).statusCode, 200)
  now = new Date('2040-07-09T00:00:00.000Z')
  t.equal((await app.inject({ method: 'PUT', url: jwkUrl('stamped'), headers: auth, payload: { description: 'later' } })).statusCode, 200)
  const project = (await app.store.projects.findByName(PROJECT))!
  const record = (await app.store.jwks.findByName(project.id, 'stamped'))!
  t.equal(record.createdAt, '2040-07-08T09:10:11.000Z')
  t.equal(record.updatedAt, '2040-07-09T00:00:00.000Z')
  const audit = (await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit/`, headers: auth })).json().resultList
  t.same(audit.map((entry: { action: string, at: string }) => [entry.action, entry.at]), [
    ['jwk.generate', '2040-07-08T09:10:11.000Z'],
    ['jwk.update', '2040-07-09T00:00:00.000Z']
  ])
  const { record: token } = await issueToken(app.store, { name: 'stamped-token', roles: [], projects: ['*'], expiresAt: null })
  t.equal(token.createdAt, '2040-07-09T00:00:00.000Z')
  t.equal((await app.store.environments.create('stamped-env')).createdAt, '2040-07-09T00:00:00.000Z')
})

t.test('token expiry is judged by the same clock', async t => {
  const { token } = await issueToken(app.store, { name: 'expiring', roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: new Date('2040-08-01T00:00:00Z') })
  const list = async (): Promise<number> => (await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/jwks/`, headers: { authorization: `Bearer ${token}` } })).statusCode
  t.equal(await list(), 200, 'before its expiry by the service\'s clock')
  now = new Date('2040-08-01T00:00:00.000Z')
  t.equal(await list(), 401, 'expired by the service\'s clock, though the machine\'s says 2026')
})
