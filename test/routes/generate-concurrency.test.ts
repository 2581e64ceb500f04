import t from 'tap'
import { buildTestApp, generateUrl, sqlOf } from '../helpers/app.js'

/** Names and kids stay unique when many requests race (docs/API.md, "Key ID"). */
const { app, auth } = await buildTestApp(t)

t.test('50 concurrent generates with one name: exactly one 200', async t => {
  const responses = await Promise.all(Array.from({ length: 50 }, () =>
    app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: 'contested', type: 'EC', ec: { curveType: 'P256' } } })))
  const statuses = responses.map(response => response.statusCode)
  t.equal(statuses.filter(status => status === 200).length, 1, 'one winner')
  t.equal(statuses.filter(status => status === 400).length, 49, 'every other request is refused')
  for (const response of responses.filter(response => response.statusCode === 400)) {
    t.equal(response.json().error_description, 'JWK (name: contested) is already exist! Try update operation if want to change its value.')
  }
  const project = (await app.store.projects.findByName('MyProject'))!
  t.equal((await app.store.jwks.listByProject(project.id)).filter(record => record.name === 'contested').length, 1, 'one row stored')
})

t.test('50 concurrent generates with one explicit kid: exactly one 200', async t => {
  const responses = await Promise.all(Array.from({ length: 50 }, (_, index) =>
    app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name: `kid-race-${index}`, kid: 'race', type: 'OKP', okp: { curveType: 'ED25519' } } })))
  t.equal(responses.filter(response => response.statusCode === 200).length, 1)
  const refusals = responses.filter(response => response.statusCode === 400).map(response => response.json().error_description)
  t.equal(refusals.length, 49)
  t.ok(refusals.every(message => /^Key ID \(kid: race\) is already used by JWK \(name: kid-race-\d+\) in this project; choose another kid$/.test(message)))
})

t.test('30 concurrent TIMESTAMP kids in one second get distinct suffixes', async t => {
  const frozen = await buildTestApp(t, { clock: () => new Date('2026-01-01T00:00:00Z') })
  const responses = await Promise.all(Array.from({ length: 30 }, (_, index) =>
    frozen.app.inject({ method: 'POST', url: generateUrl(), headers: frozen.auth, payload: { name: `ts-${index}`, type: 'OCT', oct: { keySize: 256 } } })))
  t.ok(responses.every(response => response.statusCode === 200))
  const kids = (await frozen.app.store.jwks.listByProject((await frozen.app.store.projects.findByName('MyProject'))!.id)).map(record => record.kid).sort()
  const base = `sig-${Date.parse('2026-01-01T00:00:00Z') / 1000}`
  t.same(kids, [base, ...Array.from({ length: 29 }, (_, index) => `${base}-${index + 2}`)].sort())
})

t.test('a project deleted while its key is being generated: 404, nothing stored', async t => {
  const { app, auth } = await buildTestApp(t)
  await app.store.projects.create('Fleeting')
  const answer = app.inject({ method: 'POST', url: generateUrl('Fleeting'), headers: auth, payload: { name: 'k', type: 'RSA', rsa: { keySize: 2048 } } })
  // The heavy lane starts a thread for the RSA task once the request is past auth and validation.
  while (app.keygen.size('heavy') === 0) await new Promise(resolve => setTimeout(resolve, 1))
  t.ok(await app.store.projects.delete('Fleeting'), 'deleted (as `jwkd project delete` would) while the key is made')
  const response = await answer
  t.equal(response.statusCode, 404)
  t.same(response.json(), { error: 'not_found', error_description: 'Project (Fleeting) is not found or user does not have privilege to access it!' })
  t.same(await sqlOf(app).all("SELECT name FROM jwks WHERE name = 'k'"), [], 'no key row')
})
