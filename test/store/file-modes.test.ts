import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { databasePath } from '../../src/store/database.js'
import { adminTokenPath } from '../../src/services/bootstrap.js'
import { buildTestApp, generateUrl } from '../helpers/app.js'
import { startServer } from '../helpers/processes.js'
import { dataEnv } from '../helpers/backend.js'

/** Everything jwkd writes in its data directory is the owner's alone, even in a directory others may enter. */
function entriesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap(entry => {
    const path = join(dir, entry)
    return lstatSync(path).isDirectory() ? [path, ...entriesUnder(path)] : [path]
  })
}

const mode = (path: string): number => statSync(path).mode & 0o777

t.test('a real server in an existing 0755 directory creates every file 0600 and every directory 0700', async t => {
  const dataDir = t.testdir()
  chmodSync(dataDir, 0o755)
  const server = await startServer(dataEnv(dataDir))
  t.teardown(() => server.stop())
  const token = readFileSync(adminTokenPath(dataDir), 'utf8').trim()
  await fetch(`${server.url}/health`)
  const project = await import('../../src/cli/run-cli.js').then(async ({ runCli }) => await runCli(['project', 'create', 'MyProject'], dataEnv(dataDir), { out: () => {}, err: () => {} }))
  t.equal(project, 0)
  const response = await fetch(`${server.url}${generateUrl()}`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'k', type: 'EC', ec: { curveType: 'P256' } })
  })
  t.equal(response.status, 200)
  const entries = entriesUnder(dataDir)
  t.ok(entries.some(path => path.endsWith('jwkd.db-wal')) && entries.some(path => path.endsWith('.db-shm')), 'WAL and shared-memory files are among them')
  t.ok(entries.some(path => path.includes('environments')), 'and the environments')
  for (const path of entries) t.equal(mode(path), lstatSync(path).isDirectory() ? 0o700 : 0o600, path.slice(dataDir.length))
})

t.test('files an older jwkd left readable are narrowed; a planted admin-token link is not written through', async t => {
  const dataDir = t.testdir()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(databasePath(dataDir), '')
  chmodSync(databasePath(dataDir), 0o644)
  const outside = mkdtempSync(join(tmpdir(), 'jwkd-outside-'))
  t.teardown(() => rmSync(outside, { recursive: true, force: true }))
  const target = join(outside, 'elsewhere')
  writeFileSync(target, 'not yours\n')
  symlinkSync(target, adminTokenPath(dataDir))
  const { app, auth } = await buildTestApp(t, { dataDir })
  t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'k', type: 'OCT', oct: { keySize: 128 } } })).statusCode, 200)
  t.equal((await app.store.jwks.listAll()).length, 1, 'the database jwkd found is the one it used')
  for (const suffix of ['', '-wal', '-shm']) t.equal(mode(databasePath(dataDir) + suffix), 0o600, `jwkd.db${suffix}`)
  t.equal(readFileSync(target, 'utf8'), 'not yours\n', 'the link target is untouched')
  t.ok(lstatSync(adminTokenPath(dataDir)).isFile(), 'admin-token is a file of its own')
  t.equal(mode(adminTokenPath(dataDir)), 0o600)
})

t.test('an admin-token left with a wide mode is replaced owner-only', async t => {
  const dataDir = t.testdir()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(adminTokenPath(dataDir), 'stale\n', { mode: 0o644 })
  chmodSync(adminTokenPath(dataDir), 0o644)
  const { token } = await buildTestApp(t, { dataDir })
  t.not(token, 'stale')
  t.equal(mode(adminTokenPath(dataDir)), 0o600)
})
