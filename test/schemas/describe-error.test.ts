import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import t from 'tap'
import { describeExpected, describeValidationErrors } from '../../src/schemas/describe-error.js'
import { GenerateJwkBody } from '../../src/schemas/generate.js'
import { CreateJwkBody } from '../../src/schemas/manage.js'

/** One worded message per failed validation, for the schemas jwkd really uses. */
const describe = (schema: typeof GenerateJwkBody | typeof CreateJwkBody, value: unknown): string =>
  describeValidationErrors([...TypeCompiler.Compile(schema).Errors(value)], schema)

t.test('the first problem in field order, with what was expected and what came', async t => {
  t.equal(describe(GenerateJwkBody, 'text'), 'Request body must be a JSON object')
  t.equal(describe(GenerateJwkBody, { type: 'RSA' }), 'JWK name can not be empty!', 'name comes first, though TypeBox reports it after type')
  t.equal(describe(GenerateJwkBody, { name: 'k', type: 'RSA', rsa: { keySize: '2048' } }), 'rsa.keySize must be one of 2048, 3072, 4096; got "2048" (a string)')
  t.equal(describe(GenerateJwkBody, { name: 'k', type: 'EC', ec: { curveType: 'P256', notBeforeTime: 'soon' } }),
    'ec.notBeforeTime must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z; got "soon" (a string)')
  t.equal(describe(GenerateJwkBody, { name: 'k', type: 'OCT', oct: { keySize: 256, passwordSaltLength: 4 } }), 'oct.passwordSaltLength must be an integer from 8 to 1024; got 4')
  t.equal(describe(GenerateJwkBody, { name: 'k', type: 'RSA', extra: [1] }), 'Unknown field: "extra"')
  t.equal(describe(GenerateJwkBody, { name: 'k', type: 'RSA', rsa: { keySize: 2048, 'a/b~c': 1 } }), 'Unknown field: "rsa.a/b~c"', 'RFC 6901 escapes undone')
  t.equal(describe(GenerateJwkBody, { name: 'x'.repeat(300), type: 'RSA' }), `name must be printable text of 1 to 255 characters; got "${'x'.repeat(64)}…" (a string)`, 'long values are cut')
})

t.test('a secret is described, never quoted back', async t => {
  const message = describe(CreateJwkBody, { name: 'k', sourceType: 'COPY_PASTE', jwkStr: { d: 'private-member-value' } })
  t.notMatch(message, /private-member-value/)
  t.match(message, /^jwkStr must be /)
})

t.test('expected values read off a schema', async t => {
  t.equal(describeExpected(Type.Boolean() as never), 'true or false')
  t.equal(describeExpected(Type.Integer() as never), 'an integer')
  t.equal(describeExpected(Type.Number({ minimum: 0, maximum: 1 }) as never), 'a number from 0 to 1')
  t.equal(describeExpected(Type.String({ maxLength: 3 }) as never), 'a string of at most 3 characters')
  t.equal(describeExpected(Type.Array(Type.String()) as never), 'an array')
  t.equal(describeExpected(Type.Null() as never), 'a valid value')
})
