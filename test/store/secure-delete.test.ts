import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { dataEnv } from '../helpers/backend.js'

/**
 * A removed key's bytes do not linger: after a delete (and after a
 * master-key rotation, for the blobs sealed under the old key) nothing of
 * them is in any file of the data directory — database, WAL, snapshots —
 * while the server still runs. A copy of the directory gives up nothing more.
 */
function filesUnder (dir: string): string[] {
  return readdirSync(dir).flatMap(entry => {
    const path = join(dir, entry)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

/** The files of the data directory that hold any of `needles`, as text or (for base64url) as bytes. */
function holders (dataDir: string, needles: string[]): string[] {
  return filesUnder(dataDir).filter(path => {
    const content = readFileSync(path)
    return needles.some(needle => content.includes(needle) || content.includes(Buffer.from(needle, 'base64url')))
  })
}

const KEYS = [
  { type: 'RSA', rsa: { keySize: 2048 } },
  { type: 'EC', ec: { curveType: 'P384' } },
  { type: 'OKP', okp: { curveType: 'ED25519' } }
]

async function seed (app: Awaited<ReturnType<typeof buildTestApp>>, prefix: string): Promise<Array<{ name: string, fingerprints: string[] }>> {
  const seeded = []
  for (const [index, body] of KEYS.entries()) {
    const name = `${prefix}-${index}`
    t.equal((await app.app.inject({ method: 'POST', url: generateUrl(), headers: app.auth, payload: { name, ...body } })).statusCode, 200)
    const jwk = (await app.app.inject({ method: 'GET', url: `${jwkUrl(name)}?publicOnly=true`, headers: app.auth })).json().resultList[0][body.type.toLowerCase()]
    const record = (await app.app.store.jwks.findByName((await app.app.store.projects.findByName(PROJECT))!.id, name))!
    // The public key identifies the key; the sealed blob is its private part as stored.
    seeded.push({ name, fingerprints: [jwk.n ?? jwk.x, record.sealedPrivate!] })
  }
  return seeded
}

t.test('a deleted key leaves no trace in the database, its WAL or any environment', async t => {
  const app = await buildTestApp(t, { environments: ['staging'] })
  const doomed = await seed(app, 'doomed')
  const kept = await seed(app, 'kept')
  for (const { name, fingerprints } of doomed) {
    t.ok(holders(app.dataDir, fingerprints).length >= 3, `${name} is found before the delete (database and both environments)`)
  }
  for (const { name } of doomed) t.equal((await app.app.inject({ method: 'DELETE', url: jwkUrl(name), headers: app.auth })).statusCode, 200)
  for (const { name, fingerprints } of doomed) t.same(holders(app.dataDir, fingerprints), [], `nothing of ${name} in any file`)
  for (const { name, fingerprints } of kept) t.ok(holders(app.dataDir, fingerprints).length >= 3, `${name}, not deleted, is still found`)
})

t.test('after a master-key rotation, no blob sealed under the old key remains', async t => {
  const app = await buildTestApp(t, { environments: ['staging'] })
  const keys = await seed(app, 'rotated')
  const oldBlobs = keys.map(({ fingerprints }) => fingerprints[1]!)
  t.ok(holders(app.dataDir, oldBlobs).length >= 3, 'the old blobs are found before the rotation')
  t.equal(await runCli(['master-key', 'rotate'], dataEnv(app.dataDir), { out: () => {}, err: () => {} }), 0)
  t.same(holders(app.dataDir, oldBlobs), [], 'no old blob in any file')
  for (const { name } of keys) t.equal((await app.app.inject({ method: 'GET', url: jwkUrl(name), headers: app.auth })).statusCode, 200, `${name} opens under the new key`)
})
