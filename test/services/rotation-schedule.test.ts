import t from 'tap'
import { BadRequestError } from '../../src/errors.js'
import { durationMs, lifecycleEvents, normalizePolicy, publicationOf } from '../../src/services/rotation-schedule.js'
import type { VersionRecord } from '../../src/store/jwk-versions.js'

const DAY = 86_400_000

t.test('durations: days, hours, minutes and seconds', async t => {
  t.equal(durationMs('P30D'), 30 * DAY)
  t.equal(durationMs('PT12H'), 12 * 3_600_000)
  t.equal(durationMs('P1DT6H30M15S'), DAY + 6 * 3_600_000 + 30 * 60_000 + 15_000)
  t.equal(durationMs('PT90S'), 90_000)
})

t.test('policy defaults and refusals', async t => {
  t.same(normalizePolicy({ period: 'P30D' }, 'ec.rotation'), { period: 'P30D', verificationTtl: 'P7D', publishAhead: 'P1D' })
  t.same(normalizePolicy({ period: 'PT1H' }, 'ec.rotation').publishAhead, 'PT30M', 'half a period shorter than two days')
  t.same(normalizePolicy({ period: 'P1DT1H' }, 'ec.rotation').publishAhead, 'PT12H30M')
  t.same(normalizePolicy({ period: 'PT3M' }, 'ec.rotation').publishAhead, 'PT1M30S')
  t.same(normalizePolicy({ period: 'P3D' }, 'ec.rotation').publishAhead, 'P1D')
  t.same(normalizePolicy({ period: 'P3D', retain: 2 }, 'r').retain, 2)
  t.throws(() => normalizePolicy({ period: 'PT59S' }, 'ec.rotation'), new BadRequestError('ec.rotation.period (PT59S) must be at least PT1M'))
  t.throws(() => normalizePolicy({ period: 'P1D', publishAhead: 'PT24H' }, 'r'), new BadRequestError('r.publishAhead (PT24H) must be shorter than r.period (P1D)'))
  t.throws(() => normalizePolicy({ period: 'P1D', verificationTtl: 'PT0S' }, 'r'), new BadRequestError('r.verificationTtl must be longer than zero'))
})

const version = (n: number, state: VersionRecord['state'], fields: Partial<VersionRecord> = {}): VersionRecord => ({
  jwkId: 'k',
  projectId: 'p',
  version: n,
  kid: `kid-${n}`,
  state,
  publicJwk: { kty: 'EC', kid: `kid-${n}` },
  sealedPrivate: null,
  thumbprint: `t${n}`,
  notBefore: '2030-01-01T00:00:00.000Z',
  expiresAt: '2031-01-01T00:00:00.000Z',
  createdAt: '2030-01-01T00:00:00.000Z',
  activatesAt: null,
  retiredAt: null,
  verifyUntil: null,
  destroyedAt: null,
  ...fields
})
const at = (day: number): string => new Date(Date.parse('2030-01-01T00:00:00.000Z') + day * DAY).toISOString()
const policy = { period: 'P30D', publishAhead: 'P1D', verificationTtl: 'P7D', retain: 1 }

t.test('events: publish ahead of the period\'s end, activate a pending one, destroy retired ones beyond retain once they stop verifying', async t => {
  t.same(lifecycleEvents(policy, [version(1, 'ACTIVE', { activatesAt: at(0) })]), [{ kind: 'publish', at: Date.parse(at(29)) }])
  const pending = version(2, 'PENDING', { activatesAt: at(30) })
  t.same(lifecycleEvents(policy, [version(1, 'ACTIVE', { activatesAt: at(0) }), pending]), [{ kind: 'activate', at: Date.parse(at(30)), version: pending }], 'no second publish while one waits')
  const old = version(1, 'RETIRED', { verifyUntil: at(37) })
  const events = lifecycleEvents(policy, [old, version(2, 'RETIRED', { verifyUntil: at(67) }), version(3, 'ACTIVE', { activatesAt: at(60) })])
  t.same(events.map(event => event.kind), ['destroy', 'publish'], 'soonest first')
  t.equal(events[0]!.at, Date.parse(at(37)))
  t.same(lifecycleEvents(null, [version(1, 'RETIRED', { verifyUntil: at(37) }), version(2, 'ACTIVE', { activatesAt: at(30) })]), [], 'no policy, nothing scheduled')
  t.same(lifecycleEvents({ ...policy, retain: 1 }, [version(1, 'DISABLED', { verifyUntil: at(37) }), version(2, 'RETIRED', { verifyUntil: at(67) }), version(3, 'ACTIVE', { activatesAt: at(60) })]).map(event => event.kind), ['publish'], 'a disabled version is not counted or destroyed by retain')
})

t.test('publication: pending and retired versions with their times; disabled and destroyed ones left out', async t => {
  const versions = [
    version(1, 'DESTROYED', { publicJwk: null }),
    version(2, 'DISABLED', { verifyUntil: at(40) }),
    version(3, 'RETIRED', { verifyUntil: at(67) }),
    version(4, 'ACTIVE', { activatesAt: at(60) }),
    version(5, 'PENDING', { activatesAt: at(90) })
  ]
  t.same(publicationOf(versions, lifecycleEvents(policy, versions)), {
    versions: [
      { kid: 'kid-3', state: 'RETIRED', jwk: { kty: 'EC', kid: 'kid-3' }, expiresAt: '2031-01-01T00:00:00.000Z', verifyUntil: at(67) },
      { kid: 'kid-5', state: 'PENDING', jwk: { kty: 'EC', kid: 'kid-5' }, expiresAt: '2031-01-01T00:00:00.000Z', activatesAt: at(90) }
    ]
  }, 'no nextPublishAt while a version waits')
  const noPending = versions.slice(0, 4)
  t.equal(publicationOf(noPending, lifecycleEvents(policy, noPending)).nextPublishAt, at(89))
})
