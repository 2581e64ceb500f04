import t, { type Test } from 'tap'
import { BadRequestError } from '../../src/errors.js'
import { planGeneration } from '../../src/services/generate-plan.js'

/** The generate body, resolved without a server: docs/API.md, "Generate" and "Validation". */
const NOW = new Date('2026-03-04T05:06:07.890Z')
const NOW_SECONDS = Date.UTC(2026, 2, 4, 5, 6, 7) / 1000

const refused = (t: Test, body: object, message: string | RegExp): void => {
  t.throws(() => planGeneration(body as never, NOW), { constructor: BadRequestError, message })
}

t.test('defaults: signature use, no alg, a TIMESTAMP kid, valid from now (whole seconds) for a calendar year', async t => {
  const plan = planGeneration({ name: 'k', type: 'RSA', rsa: { keySize: 2048 } }, NOW)
  t.equal(plan.type, 'RSA')
  t.equal(plan.keyUse, 'SIGNATURE')
  t.equal(plan.algorithm, null)
  t.equal(plan.timeKid, 'TIMESTAMP')
  t.equal(plan.notBefore.toISOString(), '2026-03-04T05:06:07.000Z')
  t.equal(plan.expiresAt.toISOString(), '2027-03-04T05:06:07.000Z')
  t.same(plan.task, { material: { kty: 'RSA', modulusLength: 2048 }, use: 'sig', iat: NOW_SECONDS, nbf: NOW_SECONDS, exp: NOW_SECONDS + 365 * 86_400 })
  t.same(plan.parameters, { keySize: 2048, keyUseType: 'SIGNATURE', keyIdType: 'TIMESTAMP' })
})

t.test('a year after 29 February is 1 March', async t => {
  const plan = planGeneration({ name: 'k', type: 'EC', ec: { curveType: 'P256', notBeforeTime: '2028-02-29T12:00:00Z' } }, NOW)
  t.equal(plan.expiresAt.toISOString(), '2029-03-01T12:00:00.000Z')
})

t.test('the request\'s own choices', async t => {
  const plan = planGeneration({
    name: 'k',
    type: 'OCT',
    kid: 'mine',
    oct: { keySize: 256, algorithm: 'A256GCMKW', passwordSaltLength: 16, passwordIterationCount: 2000, notBeforeTime: '2030-01-01T00:00:00.5Z', expirationTime: '2030-02-01T00:00:00Z' }
  }, NOW)
  t.equal(plan.keyUse, 'ENCRYPTION', 'the algorithm says what the key is for')
  t.equal(plan.algorithm, 'A256GCMKW')
  t.equal(plan.timeKid, undefined, 'an explicit kid is not derived')
  t.equal(plan.task.kid, 'mine')
  t.equal(plan.task.alg, 'A256GCMKW')
  t.same(plan.task.material, { kty: 'oct', bits: 256 })
  t.equal(plan.notBefore.toISOString(), '2030-01-01T00:00:00.000Z')
  t.same(plan.parameters, { keySize: 256, passwordSaltLength: 16, passwordIterationCount: 2000, keyUseType: 'ENCRYPTION', keyIdType: 'TIMESTAMP', explicitKid: 1 }, 'recorded: the kid was the request\'s, so a rotation needs one too')
})

t.test('kids derived from the key are the worker\'s to compute; NONE means none', async t => {
  for (const keyIdType of ['SHA256', 'SHA1', 'THUMBPRINT'] as const) {
    const plan = planGeneration({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', keyIdType } }, NOW)
    t.equal(plan.task.hashKid, keyIdType)
    t.equal(plan.timeKid, undefined)
  }
  const none = planGeneration({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'NONE' } }, NOW)
  t.equal(none.task.hashKid, undefined)
  t.equal(none.timeKid, undefined)
  t.equal(planGeneration({ name: 'k', type: 'OKP', okp: { curveType: 'ED25519', keyIdType: 'ISO_DATE' } }, NOW).timeKid, 'ISO_DATE')
})

t.test('agreement-only curves default to encryption', async t => {
  const plan = planGeneration({ name: 'k', type: 'OKP', okp: { curveType: 'X25519' } }, NOW)
  t.equal(plan.keyUse, 'ENCRYPTION')
  t.equal(plan.task.use, 'enc')
  t.same(plan.task.material, { kty: 'OKP', crv: 'X25519' })
})

t.test('what the schema cannot say', async t => {
  refused(t, { name: 'k', type: 'RSA' }, '"rsa" object is required when type is RSA')
  refused(t, { name: 'k', type: 'RSA', rsa: { keySize: 2048 }, ec: { curveType: 'P256' } }, '"ec" object is not allowed when type is RSA; send the parameters in "rsa"')
  refused(t, { name: 'k', type: 'EC', ec: { curveType: 'P256', notBeforeTime: '2030-01-01T00:00:00Z', expirationTime: '2030-01-01T00:00:00Z' } },
    'ec.expirationTime (2030-01-01T00:00:00.000Z) must be after notBeforeTime (2030-01-01T00:00:00.000Z)')
  refused(t, { name: 'k', type: 'EC', ec: { curveType: 'P384', algorithm: 'ES256' } }, 'ec.algorithm ES256 needs curve P256; this key is curve P384')
  refused(t, { name: 'k', type: 'OKP', okp: { curveType: 'ED25519', keyUseType: 'ENCRYPTION' } }, /^okp\.keyUseType ENCRYPTION is not possible with curve ED25519/)
})
