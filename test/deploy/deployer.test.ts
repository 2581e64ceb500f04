import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { environmentDir, snapshotPath } from '../../src/deploy/snapshot.js'
import { buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'

/** SPEC §5 deploy: a snapshot per key per environment, failures reported per environment, repaired on start. */

t.test('a generated key is in every environment, private members still sealed', async t => {
  const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging', 'dev'] })
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'k1', type: 'EC', ec: { curveType: 'P256' } } })
  t.same(response.json().deploymentResult.environmentResults.map((result: { environmentName: string }) => result.environmentName), ['dev', 'production', 'staging'])
  const record = app.store.jwks.findByName(app.store.projects.findByName('MyProject')!.id, 'k1')!
  const full = (await app.inject({ method: 'GET', url: jwkUrl('k1'), headers: auth })).json().resultList[0].ec
  for (const environment of ['dev', 'production', 'staging']) {
    const path = snapshotPath(dataDir, environment, 'MyProject', record.id)
    const snapshot = JSON.parse(readFileSync(path, 'utf8'))
    t.equal(snapshot.name, 'k1', `${environment}: snapshot names the key`)
    t.same(snapshot.jwk, { kty: 'EC', use: 'sig', kid: full.kid, crv: 'P-256', x: full.x, y: full.y, iat: full.iat, nbf: full.nbf, exp: full.exp }, `${environment}: public members`)
    t.match(snapshot.sealedPrivate, /^v1\./, `${environment}: private members sealed`)
    t.notOk(readFileSync(path, 'utf8').includes(full.d), `${environment}: d absent`)
    t.equal(statSync(path).mode & 0o777, 0o600, `${environment}: owner-only file`)
  }
})

t.test('a failing environment: still 200, the key is kept, the failure is named, and a restart repairs it', async t => {
  const dataDir = t.testdir()
  const { app, auth } = await buildTestApp(t, { dataDir, environments: ['broken'] })
  // A file where the environment's directory must go: every write into it fails.
  mkdirSync(join(dataDir, 'environments'), { recursive: true })
  writeFileSync(environmentDir(dataDir, 'broken'), 'in the way')
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'survivor', type: 'OKP', okp: { curveType: 'ED25519' } } })
  t.equal(response.statusCode, 200)
  const { deploymentResult } = response.json()
  t.equal(deploymentResult.success, false)
  t.equal(deploymentResult.message, 'Deployment failed for environment: broken')
  t.equal(deploymentResult.environmentResults[0].environmentName, 'broken')
  t.equal(deploymentResult.environmentResults[0].success, false)
  t.match(deploymentResult.environmentResults[0].message, /^Deployment failed: .*ENOTDIR/)
  t.same(deploymentResult.environmentResults[1], { environmentName: 'production', success: true, message: 'Deployed successfully' })
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('survivor'), headers: auth })).statusCode, 200, 'the key is not lost')
  const id = app.store.jwks.findByName(app.store.projects.findByName('MyProject')!.id, 'survivor')!.id

  await app.close()
  rmSync(environmentDir(dataDir, 'broken'))
  await buildTestApp(t, { dataDir })
  t.ok(existsSync(snapshotPath(dataDir, 'broken', 'MyProject', id)), 'start-up reconcile deployed it')
})

t.test('start-up reconcile restores missing and outdated snapshots and removes orphans and temp files', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir, environments: ['staging'] })
  for (const name of ['a', 'b']) {
    t.equal((await first.app.inject({ method: 'POST', url: generateUrl(), headers: first.auth, payload: { name, type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  }
  const projectId = first.app.store.projects.findByName('MyProject')!.id
  const [a, b] = ['a', 'b'].map(name => first.app.store.jwks.findByName(projectId, name)!)
  await first.app.close()

  const missing = snapshotPath(dataDir, 'staging', 'MyProject', a!.id)
  rmSync(missing)
  const outdated = snapshotPath(dataDir, 'production', 'MyProject', b!.id)
  writeFileSync(outdated, JSON.stringify({ ...JSON.parse(readFileSync(outdated, 'utf8')), revision: 0 }))
  const orphan = snapshotPath(dataDir, 'production', 'MyProject', '00000000-0000-0000-0000-000000000000')
  writeFileSync(orphan, '{}')
  const temp = missing + '.tmp-abc123'
  writeFileSync(temp, '{"half":')
  mkdirSync(environmentDir(dataDir, 'deleted-env'), { recursive: true })

  await buildTestApp(t, { dataDir })
  t.ok(existsSync(missing), 'missing snapshot written')
  t.equal(JSON.parse(readFileSync(outdated, 'utf8')).revision, 1, 'outdated snapshot rewritten')
  t.notOk(existsSync(orphan), 'orphan removed')
  t.notOk(existsSync(temp), 'temp file removed')
  t.notOk(existsSync(environmentDir(dataDir, 'deleted-env')), 'directory of an unknown environment removed')
  t.same(readdirSync(join(environmentDir(dataDir, 'production'), 'projects', 'MyProject', 'jwks')).sort(), [a!.id + '.json', b!.id + '.json'].sort())
})
