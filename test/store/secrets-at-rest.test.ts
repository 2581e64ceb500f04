import t from 'tap'
import { PRIVATE_JWK_MEMBERS } from '../helpers/keys.js'
import { buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'
import { assertCovers, atRest } from '../helpers/at-rest.js'

/**
 * docs/API.md, "Storage, secrecy, deployment": after a run of generations, no private member value of any key
 * appears in the database (its file and WAL, or PostgreSQL's rows) or any
 * snapshot — neither as the base64url text of the JWK nor as raw bytes.
 */
const PRIVATE = PRIVATE_JWK_MEMBERS

t.test('no private member value at rest', async t => {
  const { app, auth, dataDir } = await buildTestApp(t, { environments: ['staging'] })
  const bodies = [
    { type: 'RSA', rsa: { keySize: 2048 } },
    { type: 'RSA', rsa: { keySize: 2048, keyUseType: 'ENCRYPTION' } },
    { type: 'EC', ec: { curveType: 'P256' } },
    { type: 'EC', ec: { curveType: 'P521' } },
    { type: 'EC', ec: { curveType: 'SECP256K1' } },
    { type: 'OKP', okp: { curveType: 'ED25519' } },
    { type: 'OKP', okp: { curveType: 'X448' } },
    { type: 'OCT', oct: { keySize: 128 } },
    { type: 'OCT', oct: { keySize: 512 } }
  ]
  const secrets: Array<{ name: string, member: string, value: string }> = []
  const publicValues: string[] = []
  for (const [index, body] of bodies.entries()) {
    const name = `secret-${index}`
    t.equal((await app.inject({ method: 'POST', url: generateUrl(), headers: auth, payload: { name, ...body } })).statusCode, 200)
    const jwk = (await app.inject({ method: 'GET', url: jwkUrl(name), headers: auth })).json().resultList[0][body.type.toLowerCase()]
    for (const member of PRIVATE) if (typeof jwk[member] === 'string') secrets.push({ name, member, value: jwk[member] })
    if (typeof jwk.x === 'string') publicValues.push(jwk.x)
  }
  t.ok(secrets.length >= bodies.length, `collected ${secrets.length} private member values`)

  const rest = atRest(dataDir)
  assertCovers(t, rest, ['production', 'staging'])
  for (const { name, member, value } of secrets) {
    const raw = Buffer.from(value, 'base64url')
    t.notOk(rest.includes(value) || (raw.length >= 16 && rest.includes(raw)), `${name}.${member} is not at rest`)
  }
  // Control: the same search does find what is stored in clear, so silence above means absence.
  t.ok(publicValues.length > 0 && publicValues.every(value => rest.includes(value)), 'public members are found by the same search')
})
