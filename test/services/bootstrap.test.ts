import { readFileSync, statSync } from 'node:fs'
import { runCli } from '../../src/cli/run-cli.js'
import { Writable } from 'node:stream'
import t from 'tap'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { masterKeyPath } from '../../src/crypto/master-key.js'
import { buildTestApp } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'

/** docs/API.md, "Running and configuration" first start: schema, `production`, an admin token in a 0600 file whose path — not value — is logged. */
t.test('first start on an empty data directory', async t => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } })
  const { app, dataDir, token } = await buildTestApp(t, { logger: { level: 'info', stream } })
  t.same((await app.store.environments.list()).map(environment => environment.name), ['production'])
  const admin = await app.store.tokens.list()
  t.equal(admin.length, 1)
  t.same(admin[0]!.roles, ['ROLE_API_SECURITY', 'ROLE_DEPLOY_UNDEPLOY_PROXIES'], 'all roles')
  t.same(admin[0]!.projects, ['*'], 'all projects')
  t.equal(statSync(adminTokenPath(dataDir)).mode & 0o777, 0o600, 'token file is owner-only')
  t.equal(statSync(masterKeyPath(dataDir)).mode & 0o777, 0o600, 'generated master key is owner-only')
  const log = lines.join('')
  t.match(log, adminTokenPath(dataDir), 'the path is logged')
  t.notOk(log.includes(token), 'the token is not')
  t.notOk(log.includes(readFileSync(masterKeyPath(dataDir), 'utf8').trim()), 'nor the master key')
  t.match(log, /key and data share a disk/, 'the shared-disk warning is logged')
})

t.test('a second start does not bootstrap again, even after the production environment is deleted', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir })
  await first.app.store.environments.delete('production')
  await first.app.close()
  const second = await buildTestApp(t, { dataDir })
  t.same(await second.app.store.environments.list(), [])
  t.equal((await second.app.store.tokens.list()).length, 1)
})

t.test('the CLI may make environments before the first start, production included', async t => {
  const dataDir = t.testdir()
  for (const name of ['production', 'staging']) {
    t.equal(await runCli(['env', 'create', name], dataEnv(dataDir), { out: () => {}, err: () => {} }), 0)
  }
  const { app } = await buildTestApp(t, { dataDir })
  t.same((await app.store.environments.list()).map(environment => environment.name), ['production', 'staging'], 'production once, beside staging')
  t.equal((await app.store.tokens.list()).length, 1, 'the admin token is issued')
})
