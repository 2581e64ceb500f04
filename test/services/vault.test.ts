import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { masterKeyPath } from '../../src/crypto/master-key.js'
import { buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'

/** The master key: from the environment or a file, and never the wrong one. */
const keyText = randomBytes(32).toString('base64')

t.test('JWKD_MASTER_KEY and JWKD_MASTER_KEY_FILE open the same data', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir, env: { JWKD_MASTER_KEY: keyText } })
  t.equal((await first.app.inject({ method: 'POST', url: generateUrl(), headers: first.auth, payload: { name: 'k', type: 'OCT', oct: { keySize: 256 } } })).statusCode, 200)
  const before = (await first.app.inject({ method: 'GET', url: jwkUrl('k'), headers: first.auth })).body
  await first.app.close()
  const keyDir = mkdtempSync(join(tmpdir(), 'jwkd-kek-'))
  t.teardown(() => rmSync(keyDir, { recursive: true, force: true }))
  const file = join(keyDir, 'kek')
  writeFileSync(file, keyText + '\n', { mode: 0o600 })
  const second = await buildTestApp(t, { dataDir, env: { JWKD_MASTER_KEY_FILE: file } })
  t.equal((await second.app.inject({ method: 'GET', url: jwkUrl('k'), headers: second.auth })).body, before)
})

t.test('a server started with the wrong master key refuses to start', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir, env: { JWKD_MASTER_KEY: keyText } })
  await first.app.close()
  const config = loadConfig({ ...dataEnv(dataDir), JWKD_MASTER_KEY: randomBytes(32).toString('base64') })
  await t.rejects(buildApp(config, { logger: false }), { name: 'WrongMasterKeyError', message: /does not open this data directory's keys/ })
})

t.test('a malformed master key is a configuration error', async t => {
  const config = loadConfig({ ...dataEnv(t.testdir()), JWKD_MASTER_KEY: Buffer.alloc(16).toString('base64') })
  await t.rejects(buildApp(config, { logger: false }), { name: 'ConfigError', message: 'JWKD_MASTER_KEY must hold base64 of exactly 32 bytes (got 16 bytes)' })
  const missing = loadConfig({ ...dataEnv(t.testdir()), JWKD_MASTER_KEY_FILE: '/nonexistent/kek' })
  await t.rejects(buildApp(missing, { logger: false }), { name: 'ConfigError', message: /^JWKD_MASTER_KEY_FILE: cannot read \/nonexistent\/kek/ })
})

t.test('a sealed blob moved to another row does not open', async t => {
  const { app, auth } = await buildTestApp(t)
  for (const name of ['a', 'b']) {
    t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: 'OCT', oct: { keySize: 256 } } })).statusCode, 200)
  }
  const { sealed_private: sealedA } = await sqlOf(app).one("SELECT sealed_private FROM jwks WHERE name = 'a'")
  await sqlOf(app).run("UPDATE jwks SET sealed_private = ? WHERE name = 'b'", sealedA)
  const response = await app.inject({ method: 'GET', url: jwkUrl('b'), headers: auth })
  t.equal(response.statusCode, 500, 'refused, not served as b')
  t.notOk(response.body.includes('"k"'))
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('b') + '?publicOnly=true', headers: auth })).statusCode, 200, 'public parts still readable')
})

t.test('JWKD_MASTER_KEY is taken out of the environment once read', async t => {
  const env: Record<string, string | undefined> = { ...dataEnv(t.testdir()), JWKD_MASTER_KEY: keyText }
  const config = loadConfig(env)
  t.equal(config.masterKey, keyText)
  t.notOk('JWKD_MASTER_KEY' in env, 'gone from the environment: no worker or child inherits it')
})

t.test('an all-zero master key is refused', async t => {
  const config = loadConfig({ ...dataEnv(t.testdir()), JWKD_MASTER_KEY: Buffer.alloc(32).toString('base64') })
  await t.rejects(buildApp(config, { logger: false }), { name: 'ConfigError', message: 'JWKD_MASTER_KEY holds an all-zero key; make a random one' })
})

t.test('a key file others can read is warned about', async t => {
  const keyDir = mkdtempSync(join(tmpdir(), 'jwkd-kek-'))
  t.teardown(() => rmSync(keyDir, { recursive: true, force: true }))
  const file = join(keyDir, 'kek')
  writeFileSync(file, keyText + '\n', { mode: 0o644 })
  chmodSync(file, 0o644)
  const logged: string[] = []
  await buildTestApp(t, { env: { JWKD_MASTER_KEY_FILE: file }, logger: { level: 'warn', stream: { write: line => { logged.push(line) } } } })
  t.ok(logged.some(line => line.includes('the master key file can be read by its group or others')), 'warned')
  chmodSync(file, 0o600)
  logged.length = 0
  await buildTestApp(t, { dataDir: mkdtempSync(join(keyDir, 'data-')), env: { JWKD_MASTER_KEY_FILE: file }, logger: { level: 'warn', stream: { write: line => { logged.push(line) } } } })
  t.notOk(logged.some(line => line.includes('can be read by its group')), 'not for an owner-only file')
})

t.test('no new master key is made for a data directory that holds sealed keys', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir })
  t.equal((await first.app.inject({ method: 'POST', url: generateUrl(), headers: first.auth, payload: { name: 'k', type: 'OCT', oct: { keySize: 256 } } })).statusCode, 200)
  await first.app.close()
  rmSync(masterKeyPath(dataDir))
  await t.rejects(buildApp(loadConfig(dataEnv(dataDir)), { logger: false }), { name: 'ConfigError', message: /^no master key: this data directory holds keys sealed under one/ })
  t.notOk(existsSync(masterKeyPath(dataDir)), 'and no key file was created')
})
