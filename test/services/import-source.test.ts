import t from 'tap'
import { BadRequestError } from '../../src/errors.js'
import { MAX_DOCUMENT_DEPTH, MAX_JWK_BYTES, jsonDepth, parseJwkDocument, pickJwk } from '../../src/services/import-source.js'

/** Finding the one JWK to import in a pasted or fetched document, before any crypto. */
const refused = (work: () => unknown, message: string): void => { t.throws(work, { constructor: BadRequestError, message }) }

t.test('nesting is measured without parsing, strings and escapes skipped', async t => {
  t.equal(jsonDepth('{}'), 1)
  t.equal(jsonDepth('{"keys":[{"oth":[{}]}]}'), 5)
  t.equal(jsonDepth('{"a":"[[[[{{{{\\"]]]"}'), 1, 'brackets inside a string, and an escaped quote, do not count')
  t.equal(jsonDepth('['.repeat(100_000)), 100_000, 'no recursion to overflow')
})

t.test('a document must be a JSON object of reasonable depth; its content is never quoted', async t => {
  t.same(parseJwkDocument('{"kty":"oct"}', 'jwkStr'), { kty: 'oct' })
  refused(() => parseJwkDocument('{"kty":', 'jwkStr'), 'jwkStr is not valid JSON')
  refused(() => parseJwkDocument('["secret-looking"]', 'jwkStr'), 'jwkStr must hold a JWK or a JWK Set (a JSON object)')
  refused(() => parseJwkDocument('null', 'the answer'), 'the answer must hold a JWK or a JWK Set (a JSON object)')
  refused(() => parseJwkDocument('['.repeat(MAX_DOCUMENT_DEPTH + 1), 'jwkStr'), `jwkStr nests deeper than ${MAX_DOCUMENT_DEPTH} levels; a JWK Set needs four`)
})

t.test('one key from a JWK or a set', async t => {
  t.same(pickJwk({ kty: 'oct', k: 'AA' }, undefined, 'jwkStr'), { kty: 'oct', k: 'AA' })
  t.same(pickJwk({ kty: 'oct', k: 'AA' }, 'given', 'jwkStr'), { kty: 'oct', k: 'AA', kid: 'given' }, 'a lone JWK without a kid takes the requested one')
  t.same(pickJwk({ kty: 'oct', kid: 'same' }, 'same', 'jwkStr'), { kty: 'oct', kid: 'same' })
  t.same(pickJwk({ keys: [{ kid: 'only' }] }, undefined, 'jwkStr'), { kid: 'only' })
  t.same(pickJwk({ keys: [{ kid: 'a' }, 'junk', { kid: 'b' }] }, 'b', 'jwkStr'), { kid: 'b' })
  refused(() => pickJwk({ kty: 'oct', kid: 'other' }, 'wanted', 'jwkStr'), 'The JWK in jwkStr has kid "other", not "wanted"')
  refused(() => pickJwk({ keys: {} }, undefined, 'jwkStr'), '"keys" in jwkStr must be an array')
  refused(() => pickJwk({ keys: [] }, undefined, 'jwkStr'), 'The JWK Set in jwkStr holds no keys')
  refused(() => pickJwk({ keys: [{}, {}] }, undefined, 'jwkStr'), 'The JWK Set in jwkStr holds 2 keys; name the one to import with kid')
  refused(() => pickJwk({ keys: [42] }, undefined, 'jwkStr'), 'The key in jwkStr must be a JSON object')
  refused(() => pickJwk({ keys: [{ kid: 'a' }] }, 'b', 'the answer'), 'No key with kid "b" in the JWK Set in the answer')
  refused(() => pickJwk({ kty: 'oct', k: 'A'.repeat(MAX_JWK_BYTES) }, undefined, 'jwkStr'), `The JWK in jwkStr is larger than ${MAX_JWK_BYTES} bytes`)
})
