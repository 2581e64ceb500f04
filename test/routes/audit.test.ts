import t from 'tap'
import { issueToken } from '../../src/auth/tokens.js'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'

/** The audit trail: who did what to which key, when, with what outcome — never key material. */
const { app, auth, dataDir } = await buildTestApp(t)
await app.store.projects.create('Elsewhere')
const { token } = await issueToken(app.store, { name: 'ops-bot', roles: ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'], projects: ['*'], expiresAt: null })
const bot = { authorization: `Bearer ${token}` }

t.test('changes, successful or refused, are recorded with their actor and request id', async t => {
  const generated = await app.inject({ method: 'POST', url: generateUrl(), headers: bot, payload: { name: 'audited', kid: 'audit-kid', type: 'OCT', oct: { keySize: 256 } } })
  t.equal(generated.statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: bot, payload: { name: 'audited', type: 'OCT', oct: { keySize: 256 } } })).statusCode, 400)
  t.equal((await app.inject({ method: 'PUT', url: jwkUrl('audited'), headers: auth, payload: { name: 'audited-2' } })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: jwkUrl('audited-2'), headers: auth })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: generateUrl('Elsewhere'), headers: auth, payload: { name: 'other', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  await app.inject({ method: 'POST', url: generateUrl(), payload: { name: 'anonymous' } })

  const response = await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit/`, headers: auth })
  t.equal(response.statusCode, 200)
  const { resultList, resultCount } = response.json()
  t.equal(resultCount, 4, 'this project only; the unauthenticated attempt is not recorded')
  t.same(resultList.map((entry: any) => [entry.actor, entry.action, entry.jwkName, entry.kid, entry.outcome]), [
    ['ops-bot', 'jwk.generate', 'audited', 'audit-kid', 'success'],
    ['ops-bot', 'jwk.generate', 'audited', null, 'refused: 400'],
    ['admin', 'jwk.update', 'audited-2', 'audit-kid', 'success'],
    ['admin', 'jwk.delete', 'audited-2', 'audit-kid', 'success']
  ])
  t.equal(resultList[0].requestId, generated.headers['x-request-id'], 'the request id links the entry to the log')
  t.ok(resultList.every((entry: any) => entry.project === PROJECT && !Number.isNaN(Date.parse(entry.at))))
  const since = await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit?since=${encodeURIComponent(resultList[2].at)}&limit=1`, headers: auth })
  t.same(since.json().resultList.map((entry: any) => entry.action), ['jwk.update'])
  t.equal((await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit?since=yesterday`, headers: auth })).statusCode, 400)
})

t.test('the log is append-only', async t => {
  await t.rejects(sqlOf(app).run('UPDATE audit_log SET actor = ?', 'someone-else'), /append-only/)
  await t.rejects(sqlOf(app).run('DELETE FROM audit_log'), /append-only/)
})

t.test('jwkd audit prints the trail, filtered', async t => {
  const out: string[] = []
  const err: string[] = []
  const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) }
  t.equal(await runCli(['audit', '--project', 'Elsewhere'], dataEnv(dataDir), io), 0)
  t.equal(out.length, 1)
  const fields = out[0]!.split('\t')
  t.equal(fields.length, 8)
  t.same(fields.slice(1, 7), ['admin', 'jwk.generate', 'Elsewhere', 'other', fields[5], 'success'])
  out.length = 0
  t.equal(await runCli(['audit', '--since', '1h'], dataEnv(dataDir), io), 0)
  t.equal(out.length, 5, 'every project in the last hour')
  out.length = 0
  t.equal(await runCli(['audit', '--since', '2099-01-01T00:00:00Z'], dataEnv(dataDir), io), 0)
  t.equal(out.length, 0)
  t.equal(await runCli(['audit', '--since', 'last tuesday'], dataEnv(dataDir), io), 1)
  t.match(err[0], /--since must be an RFC 3339 time or a duration/)
})

t.test('refusals before the project let the caller in stay out of its trail (process log only)', async t => {
  const logged: string[] = []
  const app = await buildTestApp(t, { logger: { level: 'info', stream: { write: line => { logged.push(line) } } } })
  const store = app.app.store
  await store.projects.create('Other')
  const outsider = (await issueToken(store, { name: 'outsider', roles: ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'], projects: ['Other'], expiresAt: null })).token
  const reader = (await issueToken(store, { name: 'reader', roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: null })).token
  const insider = (await issueToken(store, { name: 'insider', roles: ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'], projects: [PROJECT], expiresAt: null })).token
  const attempt = async (token: string, name: string): Promise<number> => (await app.app.inject({
    method: 'POST', url: generateUrl(), headers: { authorization: `Bearer ${token}` }, payload: { name, type: 'OCT', oct: { keySize: 64 } }
  })).statusCode
  t.equal(await attempt(outsider, 'from-outside'), 404, 'out of scope')
  t.equal(await attempt(reader, 'from-reader'), 403, 'missing role')
  t.equal(await attempt(insider, 'from-inside'), 400, 'in scope, bad body')
  // Refusals are recorded after the answer; the last one's entry means the earlier hooks ran too.
  while ((await store.audit.list({ project: PROJECT, limit: 100 })).length === 0) await new Promise(resolve => setTimeout(resolve, 10))
  const trail = await store.audit.list({ project: PROJECT, limit: 100 })
  t.same(trail.map(entry => [entry.actor, entry.jwkName, entry.outcome]), [['insider', 'from-inside', 'refused: 400']], 'only the caller the project let in')
  t.ok(logged.some(line => line.includes('"token":"outsider"') && line.includes('change refused before reaching a project')), 'the outsider is in the process log')
  t.ok(logged.some(line => line.includes('"token":"reader"') && line.includes('"status":403')), 'so is the missing role')
})
