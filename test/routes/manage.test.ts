import t from 'tap'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { deployedIn } from '../helpers/snapshots.js'

/** docs/API.md, "Routes" update, delete, export, environments. */
const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'] })
const projectId = (await app.store.projects.findByName(PROJECT))!.id

async function generate (name: string, body: object = { type: 'EC', ec: { curveType: 'P256' } }): Promise<void> {
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, ...body } })
  t.equal(response.statusCode, 200, `generated ${name}`)
}
const get = async (name: string): Promise<any> => (await app.inject({ method: 'GET', url: jwkUrl(name), headers: auth })).json().resultList[0]

const deployed = (verb: 'Deployment' | 'Undeployment'): object => ({
  success: true,
  deploymentResult: {
    success: true,
    message: `${verb} completed successfully`,
    environmentResults: ['production', 'staging'].map(environmentName => ({
      environmentName, success: true, message: `${verb === 'Deployment' ? 'Deployed' : 'Undeployed'} successfully`
    }))
  }
})

t.test('a rename keeps the key and moves its snapshots', async t => {
  await generate('before-rename', { kid: 'stable-kid', type: 'RSA', rsa: { keySize: 2048, algorithm: 'PS256' } })
  const before = await get('before-rename')
  const id = (await app.store.jwks.findByName(projectId, 'before-rename'))!.id
  const response = await app.inject({ method: 'PUT', url: jwkUrl('before-rename'), headers: auth, payload: { name: 'after-rename', description: 'renamed' } })
  t.equal(response.statusCode, 200)
  t.same(response.json(), deployed('Deployment'))
  t.equal(response.headers.location, jwkUrl('after-rename'))
  const after = await get('after-rename')
  t.same(after.rsa, before.rsa, 'same material, same kid')
  t.equal(after.kid, 'stable-kid')
  t.equal(after.description, 'renamed')
  t.equal(after.createdAt, before.createdAt)
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('before-rename'), headers: auth })).statusCode, 400, 'the old name is gone')
  for (const environment of ['production', 'staging']) {
    const snapshot = deployedIn(dataDir, environment).get(id)!
    t.equal(snapshot.name, 'after-rename', `${environment} snapshot follows the rename`)
    t.equal(snapshot.revision, 2)
  }
})

t.test('update: description only, empty body, and errors', async t => {
  await generate('describe-me')
  let response = await app.inject({ method: 'PUT', url: jwkUrl('describe-me'), headers: auth, payload: { description: 'new words' } })
  t.equal(response.statusCode, 200)
  t.equal((await get('describe-me')).description, 'new words')
  response = await app.inject({ method: 'PUT', url: jwkUrl('describe-me'), headers: auth, payload: {} })
  t.equal(response.statusCode, 200, 'an empty update redeploys')
  await generate('other')
  response = await app.inject({ method: 'PUT', url: jwkUrl('describe-me'), headers: auth, payload: { name: 'other' } })
  t.equal(response.statusCode, 400)
  t.same(response.json(), { error: 'bad_request', error_description: 'JWK (name: other) is already exist!' })
  response = await app.inject({ method: 'PUT', url: jwkUrl('ghost'), headers: auth, payload: { description: 'x' } })
  t.equal(response.statusCode, 400)
  t.same(response.json(), { error: 'bad_request', error_description: 'JWK (name: ghost) is not found! Try create operation.' })
  response = await app.inject({ method: 'PUT', url: jwkUrl('describe-me'), headers: auth, payload: { name: '  ' } })
  t.same(response.json(), { error: 'bad_request', error_description: 'JWK name can not be empty!' })
  response = await app.inject({ method: 'PUT', url: jwkUrl('describe-me'), headers: auth, payload: { kid: 'new' } })
  t.same(response.json(), { error: 'bad_request', error_description: 'Unknown field: "kid"' })
})

t.test('delete removes the key and every snapshot', async t => {
  await generate('doomed', { type: 'OKP', okp: { curveType: 'ED25519' } })
  const id = (await app.store.jwks.findByName(projectId, 'doomed'))!.id
  t.ok(deployedIn(dataDir, 'staging').has(id))
  const response = await app.inject({ method: 'DELETE', url: jwkUrl('doomed'), headers: auth })
  t.equal(response.statusCode, 200)
  t.same(response.json(), deployed('Undeployment'))
  for (const environment of ['production', 'staging']) {
    t.notOk(deployedIn(dataDir, environment).has(id), `no snapshot left in ${environment}`)
  }
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('doomed'), headers: auth })).statusCode, 400)
  const again = await app.inject({ method: 'DELETE', url: jwkUrl('doomed'), headers: auth })
  t.equal(again.statusCode, 400)
  t.same(again.json(), { error: 'bad_request', error_description: 'JWK (name: doomed) is not found!' })
  await generate('doomed')
  t.pass('the name is free again')
})

t.test('export-file is a one-key JWK Set download', async t => {
  await generate('exported', { type: 'RSA', rsa: { keySize: 2048 } })
  const full = await get('exported')
  let response = await app.inject({ method: 'GET', url: jwkUrl('exported') + 'export-file/', headers: auth })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-disposition'], /^attachment; filename="exported\.json"/)
  t.same(response.json(), { keys: [full.rsa] })
  response = await app.inject({ method: 'GET', url: jwkUrl('exported') + 'export-file?publicOnly=true', headers: auth })
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicOnly } = full.rsa
  t.same(response.json(), { keys: [publicOnly] })
  await generate('we/ird "name"')
  response = await app.inject({ method: 'GET', url: jwkUrl('we/ird "name"') + 'export-file', headers: auth })
  t.match(response.headers['content-disposition'], /^attachment; filename="we_ird_name_\.json"; filename\*=UTF-8''we%2Fird%20%22name%22\.json$/)
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('nope') + 'export-file', headers: auth })).statusCode, 400)
})

t.test('environments list', async t => {
  const response = await app.inject({ method: 'GET', url: '/apiops/environments/', headers: auth })
  t.same(response.json(), {
    success: true,
    resultList: [{ name: 'production', description: 'Created on first start' }, { name: 'staging', description: '' }],
    resultCount: 2
  })
  t.equal((await app.inject({ method: 'GET', url: '/apiops/environments' })).statusCode, 401)
})

t.test('update and delete need the deploy role', async t => {
  const { issueToken } = await import('../../src/auth/tokens.js')
  const { token } = await issueToken(app.store, { name: 'reader', roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: null })
  const headers = { authorization: `Bearer ${token}` }
  t.equal((await app.inject({ method: 'PUT', url: jwkUrl('other'), headers, payload: {} })).statusCode, 403)
  t.equal((await app.inject({ method: 'DELETE', url: jwkUrl('other'), headers })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('other') + 'export-file', headers })).statusCode, 200)
})

t.test('racing changes to one key: each is checked again under the write lock', async t => {
  const storedIds = async (): Promise<Set<string>> => new Set((await app.store.jwks.listByProject(projectId)).map(record => record.id))
  const noZombies = async (what: string): Promise<void> => {
    const ids = await storedIds()
    for (const environment of ['production', 'staging']) {
      t.same([...deployedIn(dataDir, environment).keys()].filter(id => !ids.has(id)), [], `${what}: ${environment} holds no key the database lacks`)
    }
  }
  await generate('raced')
  const [deleted, renamed] = await Promise.all([
    app.inject({ method: 'DELETE', url: jwkUrl('raced'), headers: auth }),
    app.inject({ method: 'PUT', url: jwkUrl('raced'), headers: auth, payload: { name: 'raced-renamed' } })
  ])
  t.same([deleted.statusCode, renamed.statusCode].sort(), [200, 400], 'delete and rename of one key: one of them finds it')
  // On PostgreSQL the two transactions may commit in either order; on SQLite the delete, first in, commits first.
  const survivor = await app.store.jwks.findByName(projectId, 'raced-renamed')
  if (deleted.statusCode === 200) t.equal(survivor, undefined, 'a deleted key is not renamed back into existence')
  else t.ok(survivor !== undefined && renamed.statusCode === 200, 'renamed first, the key lives on under its new name, and the delete by its old one finds nothing')
  t.equal(await app.store.jwks.findByName(projectId, 'raced'), undefined, 'nothing is left under the old name')
  await noZombies('delete and rename')

  await generate('twice')
  const both = await Promise.all([1, 2].map(() => app.inject({ method: 'DELETE', url: jwkUrl('twice'), headers: auth })))
  t.same(both.map(response => response.statusCode).sort(), [200, 400], 'two deletes of one key: the second is a 400')
  await noZombies('two deletes')

  await generate('edited')
  const edits = await Promise.all([
    app.inject({ method: 'PUT', url: jwkUrl('edited'), headers: auth, payload: { name: 'edited-new' } }),
    app.inject({ method: 'PUT', url: jwkUrl('edited'), headers: auth, payload: { description: 'stale' } })
  ])
  const final = await app.store.jwks.findByName(projectId, 'edited-new')
  t.ok(final, 'the rename is not undone by an edit made from a stale read')
  // Either the edit came first and both stand, or the rename did and the edit no longer finds the old name.
  if (edits[1]!.statusCode === 200) t.equal(final?.description, 'stale', 'both applied, in turn')
  else t.equal(edits[1]!.statusCode, 400, 'the edit came second: the old name is gone')
  t.equal(edits[0]!.statusCode, 200)
})
