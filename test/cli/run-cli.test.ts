import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { buildTestApp, generateUrl } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'
import { runCliProcess } from '../helpers/processes.js'
import { deployedIn, environmentFiles } from '../helpers/snapshots.js'

/** docs/API.md, "Running and configuration" CLI: plain values on stdout, a message on stderr and a non-zero code on error. */
async function cli (dataDir: string, ...argv: string[]): Promise<{ code: number, out: string[], err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, dataEnv(dataDir), { out: line => out.push(line), err: line => err.push(line) })
  return { code, out, err }
}

t.test('projects', async t => {
  const dir = t.testdir()
  t.same(await cli(dir, 'project', 'create', 'Alpha', '--description', 'first'), { code: 0, out: ['Alpha'], err: [] })
  t.same((await cli(dir, 'project', 'create', 'Beta')).out, ['Beta'])
  t.same((await cli(dir, 'project', 'list')).out, ['Alpha', 'Beta'])
  t.same(await cli(dir, 'project', 'create', 'Alpha'), { code: 1, out: [], err: ['jwkd: project Alpha already exists'] })
  const invalid = await cli(dir, 'project', 'create', '../etc')
  t.equal(invalid.code, 1)
  t.match(invalid.err[0], /^jwkd: invalid project name "\.\.\/etc"/)
  t.same((await cli(dir, 'project', 'delete', 'Beta')).out, ['Beta'])
  t.same(await cli(dir, 'project', 'delete', 'Beta'), { code: 1, out: [], err: ['jwkd: project Beta does not exist'] })
  t.same((await cli(dir, 'project', 'list')).out, ['Alpha'])
  t.equal((await cli(dir, 'project')).code, 2, 'a missing action is a usage error')
})

t.test('a project with keys is not deleted', async t => {
  const { app, auth, dataDir } = await buildTestApp(t)
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'k', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  t.same(await cli(dataDir, 'project', 'delete', 'MyProject'), { code: 1, out: [], err: ['jwkd: project MyProject still has 1 JWK(s); delete them first'] })
})

t.test('projects made and deleted by the CLI count for a running server from its next request on', async t => {
  const { app, auth, dataDir } = await buildTestApp(t)
  const list = async (project: string): Promise<number> => (await app.inject({ method: 'GET', url: `/apiops/projects/${project}/jwks/`, headers: auth })).statusCode
  t.equal(await list('Gamma'), 404, 'not there yet (a miss is not remembered)')
  t.same((await cli(dataDir, 'project', 'create', 'Gamma')).out, ['Gamma'])
  t.equal(await list('Gamma'), 200, 'made by the CLI: found')
  t.equal(await list('Gamma'), 200, 'and found again (from the cache)')
  t.same((await cli(dataDir, 'project', 'delete', 'Gamma')).out, ['Gamma'])
  t.equal(await list('Gamma'), 404, 'deleted by the CLI: gone at once')
  await app.store.projects.create('Delta')
  t.equal(await list('Delta'), 200)
  await app.store.projects.delete('Delta')
  t.equal(await list('Delta'), 404, 'this connection\'s own delete counts too')
})

t.test('environments: created while the server runs, they get every key; deleted, their snapshots go', async t => {
  const { app, auth, dataDir } = await buildTestApp(t)
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'before', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  const id = (await app.store.jwks.findByName((await app.store.projects.findByName('MyProject'))!.id, 'before'))!.id
  t.same((await cli(dataDir, 'env', 'create', 'qa', '--description', 'QA')).out, ['qa'])
  t.ok(deployedIn(dataDir, 'qa').has(id), 'existing key deployed to the new environment')
  const next = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'after', type: 'OCT', oct: { keySize: 128 } } })
  t.same(next.json().deploymentResult.environmentResults.map((result: { environmentName: string }) => result.environmentName), ['production', 'qa'], 'the server sees it without a restart')
  t.same((await cli(dataDir, 'env', 'list')).out, ['production', 'qa'])
  t.same((await cli(dataDir, 'env', 'delete', 'qa')).out, ['qa'])
  t.same(environmentFiles(dataDir, 'qa'), [], 'undeployed: its directory is gone')
  t.same(await cli(dataDir, 'env', 'delete', 'qa'), { code: 1, out: [], err: ['jwkd: environment qa does not exist'] })
  t.same(await cli(dataDir, 'env', 'create', 'production'), { code: 1, out: [], err: ['jwkd: environment production already exists'] })
})

t.test('tokens: printed once, usable at once, revocable', async t => {
  const { app, dataDir } = await buildTestApp(t)
  const created = await cli(dataDir, 'token', 'create', '--name', 'ci', '--roles', 'ROLE_API_SECURITY', '--projects', 'MyProject', '--expires-in', '90d')
  t.equal(created.code, 0)
  t.equal(created.out.length, 1, 'the token alone on stdout')
  t.match(created.out[0], /^jwkd_[A-Za-z0-9_-]{43}$/)
  const headers = { authorization: `Bearer ${created.out[0]}` }
  t.equal((await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers })).statusCode, 200)
  const record = (await app.store.tokens.list()).find(token => token.name === 'ci')!
  t.same(record.roles, ['ROLE_API_SECURITY'])
  t.same(record.projects, ['MyProject'])
  t.ok(Math.abs(Date.parse(record.expiresAt!) - (Date.now() + 90 * 86_400_000)) < 60_000, 'expires in 90 days')
  t.same((await cli(dataDir, 'token', 'list')).out, ['admin', 'ci'])
  t.same((await cli(dataDir, 'token', 'revoke', 'ci')).out, ['ci'])
  t.equal((await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers })).statusCode, 401, 'revoked without a restart')
  t.same(await cli(dataDir, 'token', 'revoke', 'ci'), { code: 1, out: [], err: ['jwkd: no live token named ci'] })

  t.same(await cli(dataDir, 'token', 'create', '--name', 'ci', '--roles', 'ROLE_API_SECURITY'), { code: 1, out: [], err: ['jwkd: a token named ci already exists'] })
  t.same(await cli(dataDir, 'token', 'create', '--name', 'x', '--roles', 'ROLE_ROOT'), { code: 1, out: [], err: ['jwkd: unknown role(s) ROLE_ROOT; known roles: ROLE_API_SECURITY, ROLE_DEPLOY_UNDEPLOY_PROXIES'] })
  t.equal((await cli(dataDir, 'token', 'create', '--roles', 'ROLE_API_SECURITY')).code, 2, 'name required')
  t.match((await cli(dataDir, 'token', 'create', '--name', 'y', '--roles', 'ROLE_API_SECURITY', '--expires-in', 'forever')).err[0], /--expires-in must look like 90d/)
  t.match((await cli(dataDir, 'token', 'create', '--name', 'z', '--roles', 'ROLE_API_SECURITY', '--projects', 'a b')).err[0], /invalid project name/)
  const all = await cli(dataDir, 'token', 'create', '--name', 'wide', '--roles', 'ROLE_API_SECURITY,ROLE_DEPLOY_UNDEPLOY_PROXIES', '--projects', '*')
  t.equal(all.code, 0)
  t.same((await app.store.tokens.list()).find(token => token.name === 'wide')!.projects, ['*'])
})

t.test('jwk versions and rotate: the running server serves the new current version and still publishes the old one', async t => {
  const { app, auth, dataDir } = await buildTestApp(t)
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'rsa', type: 'RSA', rsa: { keySize: 2048, keyIdType: 'THUMBPRINT' } } })).statusCode, 200)
  const before = (await cli(dataDir, 'jwk', 'versions', 'MyProject', 'rsa')).out
  t.equal(before.length, 1)
  const [, firstKid, state] = before[0]!.split('\t')
  t.equal(state, 'ACTIVE')
  const rotated = await cli(dataDir, 'jwk', 'rotate', 'MyProject', 'rsa')
  t.equal(rotated.code, 0, rotated.err.join('\n'))
  const newKid = rotated.out[0]!
  t.not(newKid, firstKid, 'prints the new kid (an RSA key made in the CLI\'s own worker)')
  t.same((await cli(dataDir, 'jwk', 'versions', 'MyProject', 'rsa')).out.map(line => line.split('\t').slice(0, 3).join(' ')), [`1 ${firstKid} RETIRED`, `2 ${newKid} ACTIVE`])
  t.equal((await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/rsa/', headers: auth })).json().resultList[0].kid, newKid, 'the server reads the rotation at once')
  const published = (await app.inject({ method: 'GET', url: '/environments/production/projects/MyProject/jwks.json' })).json().keys.map((key: { kid: string }) => key.kid)
  t.same(published.sort(), [firstKid, newKid].sort(), 'both in the public set')
  t.same(await cli(dataDir, 'jwk', 'rotate', 'MyProject', 'missing'), { code: 1, out: [], err: ['jwkd: JWK (name: missing) is not found!'] })
  t.equal((await cli(dataDir, 'jwk', 'versions', 'MyProject')).code, 2, 'a missing name is a usage error')
  const audit = (await cli(dataDir, 'audit', '--project', 'MyProject')).out
  t.ok(audit.some(line => line.includes('\tcli\tjwk.rotate\t')), 'audited with the CLI as actor')
})

t.test('help, unknown commands and bad flags', async t => {
  const help = await cli(t.testdir(), '--help')
  t.equal(help.code, 0)
  for (const variable of ['JWKD_HOST', 'JWKD_PORT', 'JWKD_DATA_DIR', 'JWKD_MASTER_KEY', 'JWKD_MASTER_KEY_FILE', 'JWKD_POOL_SIZE', 'JWKD_POOL_MAX_QUEUE', 'JWKD_LOG_LEVEL']) {
    t.match(help.out[0], variable, `--help lists ${variable}`)
  }
  t.same(await cli(t.testdir(), 'frobnicate'), { code: 2, out: [], err: ['jwkd: unknown command "frobnicate"; see jwkd --help'] })
  t.equal((await cli(t.testdir(), 'project', 'list', '--bogus')).code, 2)
  const badConfig = await runCli(['project', 'list'], { ...dataEnv(t.testdir()), JWKD_POOL_SIZE: 'many' }, { out: () => {}, err: () => {} })
  t.equal(badConfig, 1, 'a bad variable is an error')
})

t.test('the real executable: exit codes and streams', async t => {
  const env = dataEnv(t.testdir())
  const ok = runCliProcess(['project', 'create', 'Proc'], env)
  t.same([ok.status, ok.stdout, ok.stderr], [0, 'Proc\n', ''])
  const bad = runCliProcess(['project', 'create', 'Proc'], env)
  t.same([bad.status, bad.stdout, bad.stderr], [1, '', 'jwkd: project Proc already exists\n'])
})
