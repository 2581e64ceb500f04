import Database from 'better-sqlite3'
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { environmentDir } from '../../src/deploy/snapshot.js'
import type { JwkRecord } from '../../src/store/jwks.js'
import { buildTestApp, generateUrl, jwkUrl, PROJECT, sqlOf } from '../helpers/app.js'
import { dataEnv, onPostgres } from '../helpers/backend.js'
import { deployedIn, environmentFiles, psqlIn } from '../helpers/snapshots.js'

/** docs/API.md, "Storage, secrecy, deployment" deploy: a snapshot per key in every environment, failures reported per environment, repaired on start. */

const quietly = { out: () => {}, err: () => {} }

function snapshotDatabase (dataDir: string, environment: string): Database.Database {
  const [path] = environmentFiles(dataDir, environment).filter(file => file.endsWith('.db'))
  return new Database(path!, { fileMustExist: true })
}

t.test('a generated key is in every environment, private members still sealed, files owner-only', async t => {
  const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging', 'dev'] })
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'k1', type: 'EC', ec: { curveType: 'P256' } } })
  t.same(response.json().deploymentResult.environmentResults.map((result: { environmentName: string }) => result.environmentName), ['dev', 'production', 'staging'])
  const record = (await app.store.jwks.findByName((await app.store.projects.findByName(PROJECT))!.id, 'k1'))!
  const full = (await app.inject({ method: 'GET', url: jwkUrl('k1'), headers: auth })).json().resultList[0].ec
  for (const environment of ['dev', 'production', 'staging']) {
    const snapshot = deployedIn(dataDir, environment).get(record.id)!
    t.equal(snapshot.name, 'k1', `${environment}: snapshot names the key`)
    t.equal(snapshot.revision, 1)
    t.same(snapshot.jwk, { kty: 'EC', use: 'sig', kid: full.kid, crv: 'P-256', x: full.x, y: full.y, iat: full.iat, nbf: full.nbf, exp: full.exp }, `${environment}: public members`)
    t.match(snapshot.sealedPrivate, /^v1\./, `${environment}: private members sealed`)
    if (onPostgres) continue // rows in the database, searched by test/store/secrets-at-rest.test.ts
    const files = environmentFiles(dataDir, environment)
    t.ok(files.some(path => path.endsWith('.db-wal')), `${environment}: the WAL is among the files checked`)
    for (const path of files) {
      t.notOk(readFileSync(path).includes(full.d), `${environment}: d absent from ${path}`)
      t.equal(statSync(path).mode & 0o777, 0o600, `${environment}: ${path} owner-only`)
    }
  }
})

t.test('a burst shares batches and every key lands everywhere, once', async t => {
  const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'] })
  const names = Array.from({ length: 40 }, (_, index) => `burst-${index}`)
  const responses = await Promise.all(names.map(async name =>
    await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: 'OKP', okp: { curveType: 'ED25519' } } })))
  t.same(responses.map(response => response.statusCode), names.map(() => 200))
  for (const environment of ['production', 'staging']) {
    t.same([...deployedIn(dataDir, environment).values()].map(snapshot => snapshot.name).sort(), [...names].sort(), `${environment}: all 40, nothing else`)
  }
})

/** Keys a and b deployed to production and staging by a server that then stopped: what a reconcile test damages. */
async function twoDeployedKeys (t: Test, dataDir: string): Promise<JwkRecord[]> {
  const first = await buildTestApp(t, { dataDir, environments: ['staging'] })
  for (const name of ['a', 'b']) {
    t.equal((await first.app.inject({ method: 'POST', url: generateUrl(), headers: first.auth, payload: { name, type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  }
  const projectId = (await first.app.store.projects.findByName(PROJECT))!.id
  const keys = await Promise.all(['a', 'b'].map(async name => (await first.app.store.jwks.findByName(projectId, name))!))
  await first.app.close()
  return keys
}

/**
 * What makes deploys to `environment` fail under the running server, and what
 * lifts it: a file where its directory must go (its database cannot be
 * opened); on PostgreSQL, where one database holds every environment, a
 * trigger refusing every snapshot.
 */
function obstacle (dataDir: string, environment: string): { clear: () => void } {
  if (onPostgres) {
    psqlIn(dataDir, `CREATE FUNCTION refuse_snapshots () RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'snapshots refused'; END $$;
      CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON snapshots FOR EACH ROW EXECUTE FUNCTION refuse_snapshots ()`)
    return { clear: () => psqlIn(dataDir, 'DROP TRIGGER refuse ON snapshots') }
  }
  rmSync(environmentDir(dataDir, environment), { recursive: true })
  writeFileSync(environmentDir(dataDir, environment), 'in the way')
  return { clear: () => rmSync(environmentDir(dataDir, environment)) }
}

const FILES_ONLY = { skip: onPostgres && 'snapshot files: PostgreSQL keeps every environment in its one database (tested below)' }
const POSTGRES_ONLY = { skip: !onPostgres && 'snapshot rows in PostgreSQL: the suite\'s PostgreSQL run' }

t.test('a failing environment: still 200, the key is kept, the failure is named, and a restart repairs it', FILES_ONLY, async t => {
  const dataDir = t.testdir()
  const { app, auth } = await buildTestApp(t, { dataDir, environments: ['broken'] })
  const blocked = obstacle(dataDir, 'broken')
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'survivor', type: 'OKP', okp: { curveType: 'ED25519' } } })
  t.equal(response.statusCode, 200)
  const { deploymentResult } = response.json()
  t.equal(deploymentResult.success, false)
  t.equal(deploymentResult.message, 'Deployment failed for environment: broken')
  t.equal(deploymentResult.environmentResults[0].environmentName, 'broken')
  t.equal(deploymentResult.environmentResults[0].success, false)
  t.match(deploymentResult.environmentResults[0].message, /^Deployment failed: .*(EEXIST|ENOTDIR)/)
  t.same(deploymentResult.environmentResults[1], { environmentName: 'production', success: true, message: 'Deployed successfully' })
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('survivor'), headers: auth })).statusCode, 200, 'the key is not lost')
  const publicSet = await app.inject({ method: 'GET', url: `/environments/broken/projects/${PROJECT}/jwks.json` })
  t.equal(publicSet.statusCode, 503, 'an unreadable environment publishes nothing rather than a wrong set')
  t.same(Object.keys(publicSet.json()), ['error', 'error_description'])
  const id = (await app.store.jwks.findByName((await app.store.projects.findByName(PROJECT))!.id, 'survivor'))!.id

  await app.close()
  blocked.clear()
  await buildTestApp(t, { dataDir })
  t.ok(deployedIn(dataDir, 'broken').has(id), 'start-up reconcile deployed it')
})

t.test('a failed deploy is repaired without a restart once the environment can be written, retrying until then', async t => {
  const dataDir = t.testdir()
  const lines: string[] = []
  const stillFailing = (): number => lines.filter(line => /still cannot be written|could not run/.test(line)).length
  const { app, auth } = await buildTestApp(t, { dataDir, environments: ['broken'], env: { JWKD_DEPLOY_RETRY_MS: '20' }, logger: { level: 'warn', stream: { write: line => { lines.push(line) } } } })
  const blocked = obstacle(dataDir, 'broken')
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'late', type: 'OKP', okp: { curveType: 'ED25519' } } })
  t.equal(response.statusCode, 200)
  t.equal(response.json().deploymentResult.success, false, 'the deploy failed')
  const id = (await app.store.jwks.findByName((await app.store.projects.findByName(PROJECT))!.id, 'late'))!.id
  const kid = (await app.inject({ method: 'GET', url: `${jwkUrl('late')}?publicOnly=true`, headers: auth })).json().resultList[0].kid as string
  const published = async (): Promise<boolean> => {
    const set = await app.inject({ method: 'GET', url: `/environments/broken/projects/${PROJECT}/jwks.json` })
    return set.statusCode === 200 && (set.json().keys as Array<{ kid: string }>).some(key => key.kid === kid)
  }
  while (stillFailing() < 2) await new Promise(resolve => setTimeout(resolve, 10))
  t.notOk(await published(), 'not published while two repairs in a row met the obstacle')
  blocked.clear()
  while (!await published()) await new Promise(resolve => setTimeout(resolve, 20))
  t.ok(deployedIn(dataDir, 'broken').has(id) && deployedIn(dataDir, 'production').has(id), 'deployed to every environment, and published, by the running server')
})

t.test('start-up reconcile restores missing and outdated snapshots, removes orphans and whatever is not the current database', FILES_ONLY, async t => {
  const dataDir = t.testdir()
  const [a, b] = await twoDeployedKeys(t, dataDir)

  const staging = snapshotDatabase(dataDir, 'staging')
  staging.prepare('DELETE FROM snapshots WHERE id = ?').run(a!.id)
  staging.close()
  const production = snapshotDatabase(dataDir, 'production')
  production.prepare('UPDATE snapshots SET revision = 0, body = json_set(body, \'$.revision\', 0) WHERE id = ?').run(b!.id)
  production.prepare('INSERT INTO snapshots (id, project, revision, body) VALUES (?, ?, 1, ?)').run('00000000-0000-0000-0000-000000000000', PROJECT, '{}')
  production.close()
  const legacy = join(environmentDir(dataDir, 'production'), 'projects', PROJECT, 'jwks')
  mkdirSync(legacy, { recursive: true })
  writeFileSync(join(legacy, `${a!.id}.json`), '{}')
  const previousIncarnation = join(environmentDir(dataDir, 'production'), 'snapshots-11111111-1111-1111-1111-111111111111.db')
  writeFileSync(previousIncarnation, '')
  mkdirSync(environmentDir(dataDir, 'deleted-env'), { recursive: true })

  await buildTestApp(t, { dataDir })
  t.ok(deployedIn(dataDir, 'staging').has(a!.id), 'missing snapshot written')
  t.equal(deployedIn(dataDir, 'production').get(b!.id)?.revision, 1, 'outdated snapshot rewritten')
  t.same([...deployedIn(dataDir, 'production').keys()].sort(), [a!.id, b!.id].sort(), 'orphan removed')
  t.same(environmentFiles(dataDir, 'production').filter(path => !/\/snapshots-[0-9a-f-]+\.db(-wal|-shm)?$/.test(path) || path.startsWith(previousIncarnation)), [],
    'format-1 files and a previous incarnation\'s database removed')
  t.same(environmentFiles(dataDir, 'deleted-env'), [], 'directory of an unknown environment removed')
})

t.test('snapshots PostgreSQL refuses: still 200, the key is kept, every environment named, and a restart repairs it', POSTGRES_ONLY, async t => {
  const dataDir = t.testdir()
  const { app, auth } = await buildTestApp(t, { dataDir, environments: ['staging'] })
  const blocked = obstacle(dataDir, 'staging')
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'survivor', type: 'OKP', okp: { curveType: 'ED25519' } } })
  t.equal(response.statusCode, 200)
  const { deploymentResult } = response.json()
  t.equal(deploymentResult.success, false)
  t.same(deploymentResult.environmentResults.map((result: { environmentName: string, success: boolean }) => [result.environmentName, result.success]), [['production', false], ['staging', false]],
    'one database holds every environment: the failure is every environment\'s')
  t.ok(deploymentResult.environmentResults.every((result: { message: string }) => /^Deployment failed: snapshots refused/.test(result.message)))
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('survivor'), headers: auth })).statusCode, 200, 'the key is not lost')
  const id = (await app.store.jwks.findByName((await app.store.projects.findByName(PROJECT))!.id, 'survivor'))!.id
  t.notOk(deployedIn(dataDir, 'production').has(id), 'not published while refused')

  await app.close()
  blocked.clear()
  await buildTestApp(t, { dataDir })
  t.ok(deployedIn(dataDir, 'production').has(id) && deployedIn(dataDir, 'staging').has(id), 'start-up reconcile deployed it')
})

t.test('start-up reconcile restores missing and outdated snapshot rows and removes orphans', POSTGRES_ONLY, async t => {
  const dataDir = t.testdir()
  const [a, b] = await twoDeployedKeys(t, dataDir)
  const environment = (name: string): string => `(SELECT id FROM environments WHERE name = '${name}')`
  psqlIn(dataDir, `DELETE FROM snapshots WHERE id = '${a!.id}' AND environment_id = ${environment('staging')};
    UPDATE snapshots SET revision = 0, body = jsonb_set(body::jsonb, '{revision}', '0')::text WHERE id = '${b!.id}' AND environment_id = ${environment('production')};
    INSERT INTO snapshots (environment_id, id, project, revision, body) VALUES (${environment('production')}, '00000000-0000-0000-0000-000000000000', '${PROJECT}', 1, '{}')`)
  t.notOk(deployedIn(dataDir, 'staging').has(a!.id), 'the damage is there before the restart')

  await buildTestApp(t, { dataDir })
  t.ok(deployedIn(dataDir, 'staging').has(a!.id), 'missing snapshot written')
  t.equal(deployedIn(dataDir, 'production').get(b!.id)?.revision, 1, 'outdated snapshot rewritten')
  t.same([...deployedIn(dataDir, 'production').keys()].sort(), [a!.id, b!.id].sort(), 'orphan removed')
})

t.test('an environment deleted and created again while the server runs gets a database of its own', async t => {
  const { app, auth, dataDir } = await buildTestApp(t, { environments: ['qa'] })
  const generate = async (name: string): Promise<number> =>
    (await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, type: 'OCT', oct: { keySize: 128 } } })).statusCode
  t.equal(await generate('first'), 200)
  t.equal(await runCli(['env', 'delete', 'qa'], dataEnv(dataDir), quietly), 0)
  t.equal(await runCli(['env', 'create', 'qa'], dataEnv(dataDir), quietly), 0)
  t.equal(await generate('second'), 200)
  // Closing the server closes its connection to the first qa database, whose WAL SQLite deletes by name.
  await app.close()
  t.same([...deployedIn(dataDir, 'qa').values()].map(snapshot => snapshot.name).sort(), ['first', 'second'], 'the new qa holds both keys after the old connection closed')
})

t.test('a deploy that cannot even list the environments fails its requests instead of leaving them waiting', async t => {
  const { app, auth } = await buildTestApp(t)
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'k', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  const record = (await app.store.jwks.findByName((await app.store.projects.findByName(PROJECT))!.id, 'k'))!
  await sqlOf(app).close()
  await t.rejects(Promise.all([app.deployer.deploy(record, PROJECT), app.deployer.undeploy(record)]), /database connection is not open|pool after calling end/)
})
