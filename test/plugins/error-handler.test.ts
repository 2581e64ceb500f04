import t, { type Test } from 'tap'
import { buildTestApp, generateUrl, jwkUrl, sqlOf } from '../helpers/app.js'

/** docs/API.md, "Other errors": every failure, whatever raised it, is `{"error", "error_description"}` and nothing else. */
const { app, auth } = await buildTestApp(t)
const json = { ...auth, 'content-type': 'application/json' }

function assertShape (t: Test, response: { statusCode: number, json: () => any }, status: number, error: string, description?: string | RegExp): void {
  t.equal(response.statusCode, status)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['error', 'error_description'], 'only the two members')
  t.equal(body.error, error)
  if (typeof description === 'string') t.equal(body.error_description, description)
  else if (description !== undefined) t.match(body.error_description, description)
}

t.test('body problems', async t => {
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '{"name": "x",' }), 400, 'bad_request', 'Request body is not valid JSON')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '' }), 400, 'bad_request', 'Request body must be a JSON object; it was empty')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: auth }), 400, 'bad_request', 'Request body must be a JSON object')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '[1,2]' }), 400, 'bad_request', 'Request body must be a JSON object')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '"RSA"' }), 400, 'bad_request', 'Request body must be a JSON object')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: 'null' }), 400, 'bad_request', 'Request body must be a JSON object')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '{"__proto__": {"admin": true}, "name": "x"}' }),
    400, 'bad_request', 'Request body must not contain "__proto__" or "constructor.prototype" keys')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: '{"constructor": {"prototype": {}}}' }),
    400, 'bad_request', 'Request body must not contain "__proto__" or "constructor.prototype" keys')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: JSON.stringify({ name: 'x'.repeat(70_000) }) }),
    413, 'payload_too_large', 'Request body is larger than 65536 bytes')
})

t.test('the body is never quoted back', async t => {
  const secret = 'c2VjcmV0LWtleS1tYXRlcmlhbA'
  const response = await app.inject({ method: 'POST', url: generateUrl(), headers: json, payload: `{"k": "${secret}", oops}` })
  t.equal(response.statusCode, 400)
  t.notOk(response.body.includes(secret))
})

t.test('content types', async t => {
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: { ...auth, 'content-type': 'text/plain' }, payload: '{}' }),
    415, 'unsupported_media_type', 'Content-Type "text/plain" is not supported; send application/json')
  assertShape(t, await app.inject({ method: 'POST', url: generateUrl(), headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' }),
    415, 'unsupported_media_type')
  const charset = await app.inject({ method: 'POST', url: generateUrl(), headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, payload: '{"name":"cs","type":"OCT","oct":{"keySize":128}}' })
  t.equal(charset.statusCode, 200, 'application/json with a charset is JSON')
})

t.test('routes', async t => {
  assertShape(t, await app.inject({ method: 'GET', url: '/nowhere' }), 404, 'not_found', 'Route GET /nowhere not found')
  assertShape(t, await app.inject({ method: 'DELETE', url: '/apiops/environments/x/y/z', headers: auth }), 404, 'not_found')
  assertShape(t, await app.inject({ method: 'GET', url: jwkUrl('missing'), headers: auth }), 400, 'bad_request', 'JWK (name: missing) is not found!')
  assertShape(t, await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/%E0%A4%A/', headers: auth }), 400, 'bad_request')
  const slashless = await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks', headers: auth })
  t.equal(slashless.statusCode, 200, 'trailing slash optional')
  const slashed = await app.inject({ method: 'POST', url: generateUrl() + '/', headers: auth, payload: { name: 'slash', type: 'OCT', oct: { keySize: 128 } } })
  t.equal(slashed.statusCode, 200, 'trailing slash accepted on generate')
})

t.test('an unexpected failure is a generic 500, details only in the log', async t => {
  const broken = await buildTestApp(t)
  await sqlOf(broken.app).close()
  assertShape(t, await broken.app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: broken.auth }),
    500, 'server_error', 'An unexpected error occurred; it has been logged')
})
