import t from 'tap'
import { RateLimiter } from '../../src/auth/rate-limiter.js'
import { issueToken } from '../../src/auth/tokens.js'
import { buildTestApp } from '../helpers/app.js'

/** JWKD_RATE_LIMIT: requests per minute per token, 429 in the Apinizer shape beyond it; off by default. */
t.test('per token, with Retry-After', async t => {
  const { app, auth } = await buildTestApp(t, { env: { JWKD_RATE_LIMIT: '5' } })
  const other = { authorization: `Bearer ${(await issueToken(app.store, { name: 'other', roles: ['ROLE_API_SECURITY'], projects: ['*'], expiresAt: null })).token}` }
  const list = async (headers: Record<string, string>): Promise<{ statusCode: number, headers: Record<string, unknown>, json: () => any }> =>
    await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers })
  for (let index = 0; index < 5; index++) t.equal((await list(auth)).statusCode, 200)
  const limited = await list(auth)
  t.equal(limited.statusCode, 429)
  t.same(limited.json(), { error: 'too_many_requests', error_description: 'Rate limit of 5 requests per minute exceeded; retry in 12 s' })
  t.equal(limited.headers['retry-after'], '12')
  t.equal((await list(other)).statusCode, 200, 'another token has its own budget')
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'probes are not limited')
})

t.test('off by default', async t => {
  const { app, auth } = await buildTestApp(t)
  for (let index = 0; index < 50; index++) {
    if ((await app.inject({ method: 'GET', url: '/apiops/projects/MyProject/jwks/', headers: auth })).statusCode !== 200) t.fail('limited without a limit')
  }
  t.pass('50 requests, no 429')
})

t.test('the bucket refills at the configured rate', async t => {
  const limiter = new RateLimiter(60)
  const start = 1_000_000
  for (let index = 0; index < 60; index++) t.equal(limiter.take('a', start), 0)
  t.equal(limiter.take('a', start), 1, 'empty: wait a second')
  t.equal(limiter.take('a', start + 1000), 0, 'a second later, one more')
  t.equal(limiter.take('a', start + 1000), 1)
})
