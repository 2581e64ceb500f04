import t from 'tap'
import { buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'

t.test('a key generated before a restart reads back identical after it', async t => {
  const dataDir = t.testdir()
  const first = await buildTestApp(t, { dataDir })
  const bodies = {
    'rsa-key': { type: 'RSA', rsa: { keySize: 2048, algorithm: 'PS256' } },
    'ec-key': { type: 'EC', ec: { curveType: 'P384', keyUseType: 'ENCRYPTION', algorithm: 'ECDH_ES_A256KW' } },
    'okp-key': { type: 'OKP', okp: { curveType: 'ED448' } },
    'oct-key': { type: 'OCT', oct: { keySize: 192, algorithm: 'A192GCMKW', keyIdType: 'SHA1' } }
  }
  const before: Record<string, string> = {}
  for (const [name, body] of Object.entries(bodies)) {
    t.equal((await first.app.inject({ method: 'POST', url: generateUrl(), headers: first.auth, payload: { name, ...body } })).statusCode, 200)
    before[name] = (await first.app.inject({ method: 'GET', url: jwkUrl(name), headers: first.auth })).body
  }
  const list = (await first.app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: first.auth })).body
  await first.app.close()

  const second = await buildTestApp(t, { dataDir })
  t.equal(second.token, first.token, 'the bootstrap token is not replaced')
  for (const name of Object.keys(bodies)) {
    const after = await second.app.inject({ method: 'GET', url: jwkUrl(name), headers: second.auth })
    t.equal(after.statusCode, 200)
    t.equal(after.body, before[name], `${name} identical`)
  }
  t.equal((await second.app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: second.auth })).body, list, 'list identical')
  t.same((await second.app.store.environments.list()).map(environment => environment.name), ['production'], 'bootstrap ran once')
})
