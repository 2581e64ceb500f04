import t from 'tap'
import { runCli } from '../../src/cli/run-cli.js'
import { PROJECT, buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'
import { deployedIn } from '../helpers/snapshots.js'
import { dataEnv, onPostgres } from '../helpers/backend.js'

/** Every name generate accepts is reachable by every /jwks/{name} route, and the CLI can always remove a key. */
const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'] })
const projectId = (await app.store.projects.findByName(PROJECT))!.id

async function generate (payload: object): Promise<{ statusCode: number, json: () => any }> {
  return await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { type: 'OCT', oct: { keySize: 128 }, ...payload } })
}

t.test('names of up to 255 characters, however they encode in a path, are reachable by get, export, update and delete', async t => {
  // 255 UTF-16 units each: ASCII (255 bytes), three-byte UTF-8 (9 characters per unit encoded), and surrogate pairs.
  for (const name of ['n'.repeat(255), '鍵'.repeat(255), '🔑'.repeat(127) + 'k']) {
    t.equal((await generate({ name })).statusCode, 200, `generated ${name.length} units`)
    const get = await app.inject({ method: 'GET', url: jwkUrl(name), headers: auth })
    t.equal(get.statusCode, 200, `get ${name.slice(0, 4)}…: ${get.body.slice(0, 100)}`)
    t.equal(get.json().resultList[0].name, name)
    t.equal((await app.inject({ method: 'GET', url: `${jwkUrl(name)}export-file/`, headers: auth })).statusCode, 200, 'export')
    const renamed = name.slice(0, 254) + 'x'
    const put = await app.inject({ method: 'PUT', url: jwkUrl(name), headers: auth, payload: { name: renamed } })
    t.equal(put.statusCode, 200, 'update')
    t.equal(put.headers.location, jwkUrl(renamed))
    t.equal((await app.inject({ method: 'DELETE', url: jwkUrl(renamed), headers: auth })).statusCode, 200, 'delete')
  }
})

t.test('strings that are not well-formed Unicode are refused in every name, kid and description', async t => {
  const before = (await app.store.jwks.listByProject(projectId)).length
  const lone = ['sur\ud800rogate', 'tail\udfff', '\udc00lead']
  for (const bad of lone) {
    for (const payload of [{ name: bad }, { name: 'fine', kid: bad }, { name: 'fine', description: bad }]) {
      const response = await generate(payload)
      t.equal(response.statusCode, 400, JSON.stringify(payload))
      t.same(response.json(), { error: 'bad_request', error_description: 'Request body holds a string that is not well-formed Unicode (a lone surrogate such as \\ud800)' })
    }
    const pasted = await app.inject({
      method: 'POST',
      url: `/apiops/projects/${PROJECT}/jwks/`,
      headers: auth,
      payload: { name: 'pasted', sourceType: 'COPY_PASTE', jwkStr: JSON.stringify({ kty: 'oct', k: 'AAAAAAAAAAAAAAAAAAAAAA', kid: bad }) }
    })
    t.equal(pasted.statusCode, 400, 'a kid inside jwkStr')
    t.equal(pasted.json().error_description, 'The key\'s "kid" must be printable text of 1 to 255 characters')
  }
  await generate({ name: 'to-rename' })
  const rename = await app.inject({ method: 'PUT', url: jwkUrl('to-rename'), headers: auth, payload: { name: lone[0] } })
  t.equal(rename.statusCode, 400, 'nor as a new name')
  t.equal((await app.store.jwks.listByProject(projectId)).length, before + 1, 'nothing stored for a refused request')
  t.equal((await app.inject({ method: 'DELETE', url: jwkUrl('to-rename'), headers: auth })).statusCode, 200)
})

t.test('a NUL is refused wherever text comes in: body, path and query, before anything is looked up', async t => {
  const before = (await app.store.jwks.listByProject(projectId)).length
  for (const payload of [{ name: 'nul\u0000name' }, { name: 'fine', kid: 'k\u0000' }, { name: 'fine', description: '\u0000' }, { name: 'fine', 'odd\u0000key': 1 }]) {
    const response = await generate(payload)
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.same(response.json(), { error: 'bad_request', error_description: 'Request body holds a NUL character (\\u0000)' })
  }
  for (const url of [`/apiops/projects/${PROJECT}/jwks/nul%00name/`, '/apiops/projects/My%00Project/jwks/', `/apiops/projects/${PROJECT}/audit?since=%00`,
    `/environments/production/projects/${PROJECT}/jwks.json?x=%00`]) {
    const response = await app.inject({ method: 'GET', url, headers: auth })
    t.equal(response.statusCode, 400, url)
    t.same(response.json(), { error: 'bad_request', error_description: 'Request URL holds a NUL character (\\u0000)' })
  }
  t.equal((await app.store.jwks.listByProject(projectId)).length, before, 'nothing stored')
})

t.test('jwkd jwk list | delete: any key can be removed from the command line, with its snapshots everywhere', async t => {
  const cli = async (...argv: string[]): Promise<{ code: number, out: string[], err: string[] }> => {
    const out: string[] = []
    const err: string[] = []
    const code = await runCli(argv, dataEnv(dataDir), { out: line => out.push(line), err: line => err.push(line) })
    return { code, out, err }
  }
  t.equal((await generate({ name: 'plain key' })).statusCode, 200)
  t.equal((await generate({ name: 'legacy' })).statusCode, 200)
  // Stored before lone surrogates were refused: no URL names it, and it reads back with U+FFFD for its bytes.
  const legacy = (await app.store.jwks.findByName(projectId, 'legacy'))!
  await sqlOf(app).run('UPDATE jwks SET name = ? WHERE id = ?', 'leg\ud800acy', legacy.id)
  // SQLite kept the surrogate's three bytes, each read back as U+FFFD; PostgreSQL holds only valid UTF-8 (the driver sent one U+FFFD).
  const stored = onPostgres ? 'leg\ufffdacy' : 'leg\ufffd\ufffd\ufffdacy'
  const plain = (await app.store.jwks.findByName(projectId, 'plain key'))!

  t.same(await cli('jwk', 'list', PROJECT), { code: 0, out: [stored, 'plain key'], err: [] })
  t.same(await cli('jwk', 'delete', PROJECT, 'plain key'), { code: 0, out: ['plain key'], err: [] })
  t.same(await cli('jwk', 'delete', PROJECT, stored), { code: 0, out: [stored], err: [] })
  t.same(await cli('jwk', 'list', PROJECT), { code: 0, out: [], err: [] })
  for (const environment of ['production', 'staging']) {
    const deployed = deployedIn(dataDir, environment)
    t.notOk(deployed.has(plain.id), `undeployed from ${environment}`)
    t.notOk(deployed.has(legacy.id), `legacy key undeployed from ${environment}`)
  }
  t.equal((await app.inject({ method: 'GET', url: jwkUrl('plain key'), headers: auth })).statusCode, 400, 'the server sees it gone at once')
  const audit = (await app.store.audit.list({ project: PROJECT, limit: 1000 })).filter(entry => entry.actor === 'cli')
  t.same(audit.map(entry => [entry.action, entry.jwkName]), [['jwk.delete', 'plain key'], ['jwk.delete', stored]])
  t.same(await cli('jwk', 'delete', PROJECT, 'gone'), { code: 1, out: [], err: [`jwkd: JWK gone does not exist in project ${PROJECT}`] })
  t.same(await cli('jwk', 'list', 'NoSuchProject'), { code: 1, out: [], err: ['jwkd: project NoSuchProject does not exist'] })
  t.equal((await cli('jwk', 'delete', PROJECT)).code, 2, 'a missing name is a usage error')
  t.equal((await cli('jwk')).code, 2)
})
