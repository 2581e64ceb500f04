import t from 'tap'
import { inspectJwk, type InspectedKey } from '../../src/crypto/inspect-jwk.js'
import { BadRequestError } from '../../src/errors.js'
import { draftImport } from '../../src/services/import-draft.js'
import type { ImportSource } from '../../src/services/import-plan.js'
import { freshPrivateJwk } from '../helpers/keys.js'

/** What an imported key becomes, from its own `use`, `alg`, `kid` and dates: docs/API.md, "Create (import)". */
const NOW = new Date('2026-05-06T07:08:09.500Z')
const NOW_SECONDS = Date.UTC(2026, 4, 6, 7, 8, 9) / 1000
const body = { name: 'imported', sourceType: 'COPY_PASTE' }

function draft (jwk: Record<string, unknown>, overrides: object = {}): ReturnType<typeof draftImport> {
  const inspected = inspectJwk(jwk)
  if (!inspected.ok) throw new Error(inspected.reason)
  const source: ImportSource = { sourceType: 'COPY_PASTE', sourceUrl: null, sourceId: null, jwk }
  return draftImport({ ...body, ...overrides } as never, source, inspected.key as InspectedKey, NOW)
}

t.test('a bare private key: signature use, valid from now for a year, private members apart', async t => {
  const jwk = freshPrivateJwk('ec', { namedCurve: 'P-256' })
  const result = draft(jwk)
  t.equal(result.type, 'EC')
  t.equal(result.keyUse, 'SIGNATURE')
  t.equal(result.algorithm, null)
  t.equal(result.notBefore, '2026-05-06T07:08:09.000Z')
  t.equal(result.expiresAt, '2027-05-06T07:08:09.000Z')
  t.same(result.publicJwk, { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, use: 'sig', iat: NOW_SECONDS, nbf: NOW_SECONDS, exp: NOW_SECONDS + 365 * 86_400 })
  t.same(result.privateMembers, { d: jwk.d })
  t.same(result.parameters, { keyUseType: 'SIGNATURE' })
})

t.test('the key\'s own members are kept when they are sound', async t => {
  const { d: _d, ...publicJwk } = freshPrivateJwk('x25519')
  const result = draft({ ...publicJwk, use: 'enc', alg: 'ECDH-ES', kid: 'theirs', nbf: 1_800_000_000, exp: 1_900_000_000, iat: 1_700_000_000 })
  t.equal(result.keyUse, 'ENCRYPTION')
  t.equal(result.algorithm, 'ECDH-ES')
  t.equal(result.publicJwk.kid, 'theirs')
  t.equal(result.publicJwk.iat, 1_700_000_000)
  t.equal(result.notBefore, new Date(1_800_000_000_000).toISOString())
  t.equal(result.expiresAt, new Date(1_900_000_000_000).toISOString())
  t.equal(result.privateMembers, undefined, 'a public key has none')
})

t.test('a foreign nbf moves the default expiry with it', async t => {
  const result = draft({ ...freshPrivateJwk('ed25519'), nbf: 1_830_297_600 })
  t.equal(result.notBefore, '2028-01-01T00:00:00.000Z')
  t.equal(result.expiresAt, '2029-01-01T00:00:00.000Z')
})

t.test('refusals', async t => {
  const key = freshPrivateJwk('ed25519')
  const refused = (jwk: Record<string, unknown>, message: string | RegExp, overrides?: object): void => {
    t.throws(() => draft(jwk, overrides), { constructor: BadRequestError, message })
  }
  refused(key, 'The key is of type OKP, not RSA', { type: 'RSA' })
  refused({ ...key, use: 'constructor' }, 'The key\'s "use" must be "sig" or "enc"')
  refused({ ...key, alg: 7 }, 'The key\'s "alg" must be a string')
  refused({ ...key, kid: 'tab\there' }, 'The key\'s "kid" must be printable text of 1 to 255 characters')
  refused({ ...key, kid: 'x'.repeat(256) }, 'The key\'s "kid" must be printable text of 1 to 255 characters')
  refused({ ...key, use: 'enc' }, /ENCRYPTION is not possible with curve ED25519/)
  refused({ ...key, nbf: 1_900_000_000, exp: 1_800_000_000 }, 'The key\'s "exp" must be after its "nbf"')
})
