import { SignJWT, createLocalJWKSet, jwtVerify, importJWK, type JSONWebKeySet } from 'jose'
import t from 'tap'
import { PROJECT, buildTestApp, generateUrl, jwkUrl } from '../helpers/app.js'

/**
 * A policy of period 30 days, publishAhead 1 day, verificationTtl 7 days,
 * run across 100 simulated days with the injected clock, a scheduler tick
 * every 6 hours. The expected set comes from the rules alone: version k is
 * published from day 30(k−1)−1 (version 1 from day 0), current from day
 * 30(k−1), retired at day 30k and published until day 30k+7.
 */
const DAY = 86_400_000
const start = Date.parse('2031-01-01T00:00:00.000Z')
let now = start
const { app, auth } = await buildTestApp(t, { clock: () => new Date(now), env: { JWKD_ROTATION_CHECK_MS: '0' } })
const setUrl = `/environments/production/projects/${PROJECT}/jwks.json`

const publishedFrom = (k: number): number => k === 1 ? 0 : 30 * (k - 1) - 1
const verifiesUntil = (k: number): number => 30 * k + 7
/** The days the set changes on: a version published, a retired one stopping to verify. */
const changeDays = [...Array(10).keys()].map(k => k + 1).flatMap(k => k === 1 ? [verifiesUntil(k)] : [publishedFrom(k), verifiesUntil(k)]).sort((a, b) => a - b)
const maxAgeOf = (response: { headers: Record<string, unknown> }): number => Number(/max-age=(\d+)/.exec(String(response.headers['cache-control']))![1])
const expectedVersions = (day: number): number[] => {
  const versions: number[] = []
  for (let k = 1; publishedFrom(k) <= day; k++) if (day < verifiesUntil(k)) versions.push(k)
  return versions
}

t.test('100 days of scheduled rotation: the public set holds exactly what the rules say, tokens verify from activation to verifyUntil', async t => {
  const generated = await app.inject({
    method: 'POST',
    url: generateUrl(),
    headers: auth,
    payload: { name: 'rotating', type: 'EC', ec: { curveType: 'P256', algorithm: 'ES256', rotation: { period: 'P30D', publishAhead: 'P1D', verificationTtl: 'P7D' } } }
  })
  t.equal(generated.statusCode, 200, generated.body)

  const kidOf = new Map<number, string>() // version → kid
  const tokenOf = new Map<number, string>() // version → a JWT it signed while current
  const mismatches: string[] = []
  const maxAges = new Set<number>()
  const verdicts: string[] = []
  for (let hour = 0; hour <= 100 * 24; hour += 6) {
    now = start + hour * 3_600_000
    await app.scheduler.tick()
    const day = hour / 24

    const versions = (await app.inject({ method: 'GET', url: `${jwkUrl('rotating')}versions/`, headers: auth })).json().resultList as Array<{ version: number, kid: string, state: string }>
    for (const { version, kid } of versions) kidOf.set(version, kid)
    const current = versions.find(version => version.state === 'ACTIVE')!
    if (!tokenOf.has(current.version)) {
      // The service's current key signs; the verifier below knows only the public set.
      const detail = (await app.inject({ method: 'GET', url: jwkUrl('rotating'), headers: auth })).json().resultList[0]
      t.equal(detail.kid, current.kid, 'the key\'s own body shows the current version')
      const key = await importJWK(detail.ec, 'ES256')
      tokenOf.set(current.version, await new SignJWT({ sub: `signed by v${current.version}` }).setProtectedHeader({ alg: 'ES256', kid: current.kid }).sign(key))
    }

    const response = await app.inject({ method: 'GET', url: setUrl })
    const set = response.json() as JSONWebKeySet
    const published = set.keys.map(key => key.kid).sort()
    const expected = expectedVersions(day).map(k => kidOf.get(k)).sort()
    if (JSON.stringify(published) !== JSON.stringify(expected)) mismatches.push(`day ${day}: published ${published.join(',')}, expected ${expected.join(',')}`)

    const verifier = createLocalJWKSet(set)
    for (const [version, token] of tokenOf) {
      const verifies = await jwtVerify(token, verifier).then(() => true, () => false)
      // A token exists from its version's activation on; until verifyUntil it must verify, after it must not.
      if (verifies !== (day < verifiesUntil(version))) verdicts.push(`day ${day}: token of v${version} ${verifies ? 'verifies' : 'does not verify'}`)
    }

    // Asked 30 s before the set's next change, a verifier may cache it for 30 s at most.
    const nextChange = start + changeDays.find(at => at > day)! * DAY
    if (nextChange - now <= 6 * 3_600_000) {
      now = nextChange - 30_000
      const maxAge = maxAgeOf(await app.inject({ method: 'GET', url: setUrl }))
      if (maxAge > 30) mismatches.push(`30 s before day ${(nextChange - start) / DAY}: max-age ${maxAge} s reaches past the change`)
      maxAges.add(maxAge)
    } else maxAges.add(maxAgeOf(response))
  }
  t.ok(maxAges.has(60) && maxAges.has(30), `max-age is the full minute far from a change, shorter near one (saw ${[...maxAges].join(', ')})`)
  t.same(mismatches, [], 'at every step the set is exactly the versions the rules say, and its max-age stops short of the next change')
  t.same(verdicts, [], 'every token verifies until its version\'s verifyUntil and not after')
  t.equal(kidOf.size, 4, 'versions 1 to 4 over 100 days (the fifth is due on day 119)')
  t.equal(new Set(kidOf.values()).size, 4, 'each with a kid of its own')

  const versions = (await app.inject({ method: 'GET', url: `${jwkUrl('rotating')}versions/`, headers: auth })).json().resultList as Array<{ version: number, state: string, verifyUntil: string | null, activatesAt: string }>
  t.same(versions.map(version => version.state), ['RETIRED', 'RETIRED', 'RETIRED', 'ACTIVE'])
  t.same(versions.map(version => version.activatesAt), [0, 30, 60, 90].map(day => new Date(start + day * DAY).toISOString()), 'each became current at its period\'s end')
  const audit = (await app.inject({ method: 'GET', url: `/apiops/projects/${PROJECT}/audit/`, headers: auth })).json().resultList as Array<{ actor: string, action: string }>
  const scheduled = audit.filter(entry => entry.actor === 'scheduler').map(entry => entry.action)
  t.same(scheduled, ['jwk.version.publish', 'jwk.rotate', 'jwk.version.publish', 'jwk.rotate', 'jwk.version.publish', 'jwk.rotate'], 'every automatic change is audited with the scheduler as actor')
})
