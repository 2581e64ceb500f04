import t from 'tap'
import { KidTakenError } from '../../src/store/errors.js'
import type { VersionRecord } from '../../src/store/jwk-versions.js'
import type { JwkRecord } from '../../src/store/jwks.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { startCluster } from '../helpers/postgres.js'
import { newJwk } from '../helpers/records.js'

/**
 * Two instances give out one kid at once: one as a new key's, the other as
 * the next version of a key it rotates. The kid lands in two different
 * tables, so neither table's unique index alone can refuse the second; the
 * version's transaction is held open while the new key goes in, so the
 * interleaving is forced, not hoped for.
 */
const cluster = await startCluster(t)
const url = await cluster.createDatabase()
const [rotating, claiming] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)])
t.teardown(async () => { await rotating.close(); await claiming.close() })
const project = await rotating.commits.run(async tx => await tx.projects.create('P'))

const versionOf = (key: JwkRecord, version: number, kid: string, state: VersionRecord['state']): VersionRecord => ({
  jwkId: key.id,
  projectId: key.projectId,
  version,
  kid,
  state,
  publicJwk: { ...key.publicJwk, kid },
  sealedPrivate: state === 'ACTIVE' ? null : 'v1.sealed',
  thumbprint: 't',
  notBefore: key.notBefore,
  expiresAt: key.expiresAt,
  createdAt: key.createdAt,
  activatesAt: key.createdAt,
  retiredAt: null,
  verifyUntil: null,
  destroyedAt: null
})
/** Its error, or undefined: caught at once, since it may reject while the test still awaits the other side. */
const failureOf = async (work: Promise<unknown>): Promise<unknown> => await work.then(() => undefined, (err: unknown) => err)
const holders = async (kid: string): Promise<number> =>
  Number((await rotating.pool.query(`SELECT count(*) FROM (SELECT id FROM jwks WHERE project_id = $1 AND kid = $2
    UNION SELECT jwk_id FROM jwk_versions WHERE project_id = $1 AND kid = $2) AS holders`, [project.id, kid])).rows[0].count)

t.test('a kid published as another key\'s next version is refused to a new key, and the other way round', async t => {
  const key = await rotating.commits.run(async tx => await tx.jwks.insert(newJwk(project.id, 'rotates'), { kind: 'exact', kid: 'v1' }))

  // The rotation writes its next version and holds its transaction open.
  let wrote!: () => void
  const written = new Promise<void>(resolve => { wrote = resolve })
  let resume!: () => void
  const paused = new Promise<void>(resolve => { resume = resolve })
  const rotation = rotating.commits.run(async tx => {
    await tx.jwkVersions.save(versionOf(key, 1, 'v1', 'ACTIVE'))
    await tx.jwkVersions.save(versionOf(key, 2, 'next', 'PENDING'))
    wrote()
    await paused
  })
  await written
  const claim = failureOf(claiming.commits.run(async tx => await tx.jwks.insert(newJwk(project.id, 'claims'), { kind: 'exact', kid: 'next' })))
  // Time for the claim to reach the database while the rotation is open; it must wait there.
  await new Promise(resolve => setTimeout(resolve, 300))
  resume()
  await rotation
  t.type(await claim, KidTakenError, 'the new key is refused the kid the version holds')
  t.equal(await holders('next'), 1, 'one key holds the kid')

  // The other order: a new key takes the kid first, and a version cannot.
  let claimed!: () => void
  const inserted = new Promise<void>(resolve => { claimed = resolve })
  let release!: () => void
  const held = new Promise<void>(resolve => { release = resolve })
  const first = claiming.commits.run(async tx => {
    await tx.jwks.insert(newJwk(project.id, 'first'), { kind: 'exact', kid: 'later' })
    claimed()
    await held
  })
  await inserted
  const version = failureOf(rotating.commits.run(async tx => await tx.jwkVersions.save(versionOf(key, 3, 'later', 'PENDING'))))
  await new Promise(resolve => setTimeout(resolve, 300))
  release()
  await first
  t.type(await version, KidTakenError, 'the version is refused the kid the new key holds')
  t.equal(await holders('later'), 1, 'one key holds the kid')
})

t.test('a kid stays the key\'s through its versions and is free again once the key is deleted', async t => {
  const key = await rotating.commits.run(async tx => await tx.jwks.insert(newJwk(project.id, 'own'), { kind: 'exact', kid: 'own-1' }))
  await rotating.commits.run(async tx => {
    await tx.jwkVersions.save(versionOf(key, 1, 'own-1', 'ACTIVE'))
    await tx.jwkVersions.save(versionOf(key, 2, 'own-2', 'PENDING'))
  })
  await rotating.commits.run(async tx => await tx.jwks.saveLifecycle({ ...key, kid: 'own-2', publicJwk: { ...key.publicJwk, kid: 'own-2' } }))
  t.equal((await claiming.jwks.findByName(project.id, 'own'))?.kid, 'own-2', 'the key becomes its own next version')
  await t.rejects(claiming.commits.run(async tx => await tx.jwks.insert(newJwk(project.id, 'reuses'), { kind: 'exact', kid: 'own-1' })), KidTakenError, 'its retired kid stays its own')
  await rotating.commits.run(async tx => await tx.jwks.delete(key.id))
  const reused = await claiming.commits.run(async tx => await tx.jwks.insert(newJwk(project.id, 'reuses'), { kind: 'exact', kid: 'own-1' }))
  t.equal(reused.kid, 'own-1', 'a deleted key\'s kids are free again')
})
