import { randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { NameTakenError, KidTakenError } from '../../src/store/errors.js'
import { AliasTakenError } from '../../src/store/certificates.js'
import type { KidAssignment } from '../../src/store/jwks.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { startCluster } from '../helpers/postgres.js'
import { newJwk } from '../helpers/records.js'

/**
 * One contract, two databases: every behaviour the services rely on, checked
 * the same way against SQLite and against a real PostgreSQL. "Two instances"
 * are two stores on one database (two connections to one SQLite file, two
 * pools on one PostgreSQL database), racing for real.
 */
const cluster = await startCluster(t)

interface Backend {
  name: string
  /** two stores on one fresh database */
  open: (t: Test) => Promise<[Store, Store]>
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    open: async t => {
      const dir = t.testdir()
      const stores: [Store, Store] = [SqliteStore.open(dir), SqliteStore.open(dir)]
      t.teardown(async () => { for (const store of stores) await store.close() })
      return stores
    }
  },
  {
    name: 'postgres',
    open: async t => {
      const url = await cluster.createDatabase()
      // Both open at once: the migration lock lets one migrate while the other waits.
      const stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]) as [Store, Store]
      t.teardown(async () => { for (const store of stores) await store.close() })
      return stores
    }
  }
]

const insertJwk = async (store: Store, projectId: string, name: string, kid: KidAssignment = { kind: 'none' }): Promise<string | null> =>
  (await store.commits.run(async tx => await tx.jwks.insert(newJwk(projectId, name), kid))).kid

for (const backend of BACKENDS) {
  t.test(backend.name, async t => {
    const [store, other] = await backend.open(t)
    const project = await store.commits.run(async tx => await tx.projects.create('Contract'))
    const production = await store.commits.run(async tx => await tx.environments.create('production'))
    const staging = await store.commits.run(async tx => await tx.environments.create('staging'))

    t.test('projects and environments: unique names, byte order, delete', async t => {
      await t.rejects(store.commits.run(async tx => await tx.projects.create('Contract')), NameTakenError)
      await store.commits.run(async tx => { await tx.projects.create('alpha'); await tx.projects.create('Zulu') })
      t.same((await other.projects.list()).map(one => one.name), ['Contract', 'Zulu', 'alpha'], 'upper case before lower, as bytes compare')
      t.same(await other.projects.findByName('Contract'), project)
      t.ok(await store.commits.run(async tx => await tx.projects.delete('alpha')))
      t.notOk(await store.commits.run(async tx => await tx.projects.delete('alpha')))
      t.equal(await other.projects.findByName('alpha'), undefined)
    })

    t.test('a work that throws leaves nothing behind', async t => {
      await t.rejects(store.commits.run(async tx => {
        await tx.projects.create('half-made')
        throw new Error('changed its mind')
      }), { message: 'changed its mind' })
      t.equal(await other.projects.findByName('half-made'), undefined)
    })

    t.test('tokens: by hash, revoked once', async t => {
      const record = await store.commits.run(async tx => await tx.tokens.insert({ name: 'ci', hash: 'ab'.repeat(32), roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: null }))
      t.same(await other.tokens.findByHash('ab'.repeat(32)), record)
      await t.rejects(store.commits.run(async tx => await tx.tokens.insert({ name: 'ci', hash: 'cd'.repeat(32), roles: [], projects: [], expiresAt: null })), NameTakenError)
      t.ok(await other.commits.run(async tx => await tx.tokens.revoke('ci')))
      t.notOk(await store.commits.run(async tx => await tx.tokens.revoke('ci')))
      t.type((await store.tokens.findByHash('ab'.repeat(32)))?.revokedAt, 'string')
    })

    t.test('JWKs: kids settled in the transaction, pages by name, detach, delete', async t => {
      t.equal(await insertJwk(store, project.id, 'a', { kind: 'first-free', base: 'base' }), 'base')
      t.equal(await insertJwk(other, project.id, 'b', { kind: 'first-free', base: 'base' }), 'base-2')
      t.equal(await insertJwk(store, project.id, 'c', { kind: 'exact', kid: 'mine' }), 'mine')
      await t.rejects(insertJwk(other, project.id, 'd', { kind: 'exact', kid: 'mine' }), KidTakenError)
      await t.rejects(insertJwk(other, project.id, 'a'), NameTakenError)
      t.equal(await other.jwks.kidHolder(project.id, 'base-2'), 'b')
      t.ok(await other.jwks.nameHolder(project.id, 'c'))
      t.same((await other.jwks.listByProject(project.id, { limit: 2 })).map(record => [record.name, record.sealedPrivate]), [['a', null], ['b', null]], 'a page, without the sealed parts')
      t.same((await other.jwks.listByProject(project.id, { after: 'b', limit: 2 })).map(record => record.name), ['c'])
      const found = (await other.jwks.findByName(project.id, 'a'))!
      t.same([found.sealedPrivate, found.publicJwk.kid, found.revision, found.parameters], ['v1.sealed', 'base', 1, { curveType: 'ED25519' }])
      const renamed = await store.commits.run(async tx => await tx.jwks.update(found, { name: 'a2' }))
      t.same([renamed.name, renamed.revision], ['a2', 2])
      await t.rejects(store.commits.run(async tx => await tx.jwks.update(renamed, { name: 'b' })), NameTakenError)
      t.equal(await other.jwks.countByProject(project.id), 3)
      t.same((await other.jwks.listAll()).map(record => record.projectName), ['Contract', 'Contract', 'Contract'])
      t.ok(await store.commits.run(async tx => await tx.jwks.delete(renamed.id)))
      t.equal(await other.jwks.findByName(project.id, 'a2'), undefined)
      t.equal(await insertJwk(store, project.id, 'e', { kind: 'first-free', base: 'base' }), 'base', 'a deleted kid is free again')
    })

    t.test('two instances: one name, fifty racing inserts, exactly one wins', async t => {
      const results = await Promise.allSettled(Array.from({ length: 50 }, async (_, index) => await insertJwk(index % 2 === 0 ? store : other, project.id, 'contested')))
      t.equal(results.filter(result => result.status === 'fulfilled').length, 1)
      t.ok(results.every(result => result.status === 'fulfilled' || result.reason instanceof NameTakenError), 'every loser is told the name is taken')
    })

    t.test('two instances: racing time-based kids still get unique suffixes', async t => {
      const kids = await Promise.all(Array.from({ length: 20 }, async (_, index) => await insertJwk(index % 2 === 0 ? store : other, project.id, `race-${index}`, { kind: 'first-free', base: 'same' })))
      t.same([...kids].sort(), ['same', ...Array.from({ length: 19 }, (_, index) => `same-${index + 2}`)].sort())
    })

    t.test('certificates, keys and keystores: copies per environment, replaced and removed together', async t => {
      const der = Buffer.from('3003020101', 'hex')
      const certificate = await store.commits.run(async tx => await tx.certificates.insert({
        projectId: project.id, name: 'cert', description: 'd', copies: [{ environmentId: staging.id, alias: 'a1', der }, { environmentId: production.id, alias: 'a1', der }]
      }))
      t.same(certificate.copies.map(copy => [copy.environmentName, copy.alias, copy.der.equals(der)]), [['production', 'a1', true], ['staging', 'a1', true]], 'by environment name')
      await t.rejects(store.commits.run(async tx => await tx.certificates.insert({ projectId: project.id, name: 'cert2', description: '', copies: [{ environmentId: staging.id, alias: 'a1', der }] })), AliasTakenError)
      t.equal(await other.certificates.findByName(project.id, 'cert2'), undefined, 'the refused one left nothing')
      const replaced = await store.commits.run(async tx => await tx.certificates.replace(certificate.id, { projectId: project.id, name: 'cert', description: 'e', copies: [{ environmentId: staging.id, alias: 'a2', der }] }))
      t.same([replaced.description, replaced.copies.map(copy => copy.alias)], ['e', ['a2']])

      const key = await store.commits.run(async tx => await tx.keys.insert({
        id: randomUUID(), projectId: project.id, name: 'key', description: '', keyType: 'EC', copies: [{ environmentId: production.id, spki: der, sealedPrivate: 'v1.k' }]
      }))
      t.same(await other.keys.sealedPrivates(), [{ keyId: key.id, environmentId: production.id, sealedPrivate: 'v1.k' }])
      await store.commits.run(async tx => await tx.keys.reseal(key.id, production.id, 'v1.k2'))
      t.equal((await other.keys.findByName(project.id, 'key'))!.copies[0]!.sealedPrivate, 'v1.k2')
      await t.rejects(store.commits.run(async tx => await tx.keys.insert({ id: randomUUID(), projectId: project.id, name: 'key', description: '', keyType: 'EC', copies: [] })), NameTakenError)

      const keystore = await store.commits.run(async tx => await tx.keystores.insert({
        id: randomUUID(), projectId: project.id, name: 'ks', description: '', copies: [{ environmentId: staging.id, type: 'PKCS12', aliases: [{ aliasName: 'x', keyType: 'RSA', hasPrivateKey: true }], sealedContent: 'v1.s' }]
      }))
      t.same((await other.keystores.findByName(project.id, 'ks'))!.copies[0]!.aliases, [{ aliasName: 'x', keyType: 'RSA', hasPrivateKey: true }])
      const renamed = await store.commits.run(async tx => await tx.keystores.replace({ id: keystore.id, projectId: project.id, name: 'ks2', description: '', copies: [] }))
      t.same([renamed.name, renamed.copies], ['ks2', []])

      await insertJwk(store, project.id, 'from-cert')
      await store.commits.run(async tx => {
        const made = (await tx.jwks.findByName(project.id, 'from-cert'))!
        await tx.jwks.update(made, {})
      })
      t.equal(await store.commits.run(async tx => await tx.jwks.detachFromSource('nothing')), 0)
      for (const [repository, id] of [['certificates', certificate.id], ['keys', key.id], ['keystores', keystore.id]] as const) {
        t.ok(await store.commits.run(async tx => await tx[repository].delete(id)), `${repository}: deleted`)
      }
      t.same([await other.certificates.countByProject(project.id), await other.keys.countByProject(project.id), await other.keystores.countByProject(project.id)], [0, 0, 0])
    })

    t.test('audit and meta', async t => {
      await store.commits.run(async tx => {
        await tx.audit.append({ actor: 'cli', action: 'jwk.delete', project: 'Contract', jwkName: 'k', kid: null, outcome: 'success' })
        await tx.audit.append({ actor: 'admin', action: 'jwk.generate', project: 'Other', outcome: 'success', requestId: 'r1' })
      })
      t.same((await other.audit.list({ project: 'Contract', limit: 10 })).map(entry => [entry.actor, entry.jwkName, entry.requestId]), [['cli', 'k', null]])
      t.equal((await other.audit.list({ limit: 1 })).length, 1)
      t.equal((await other.audit.list({ since: new Date(Date.now() + 60_000), limit: 10 })).length, 0)
      t.equal(await other.meta.get('absent'), undefined)
      await store.commits.run(async tx => { await tx.meta.set('k', 'v1'); await tx.meta.set('k', 'v2') })
      t.equal(await other.meta.get('k'), 'v2')
    })

    t.test('another instance\'s commit moves this one\'s version', async t => {
      const before = other.version.current()
      await store.commits.run(async tx => await tx.meta.set('moved', String(Date.now())))
      // NOTIFY arrives on its own connection; SQLite's data_version is read afresh on the next turn.
      const deadline = Date.now() + 10_000
      while (other.version.current() === before && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 10))
      t.not(other.version.current(), before)
      t.ok(await other.writable())
    })
  })
}
