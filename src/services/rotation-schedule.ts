import { BadRequestError } from '../errors.js'
import type { RotationPolicyBody } from '../schemas/rotation.js'
import type { Publication, PublishedVersion, RotationPolicy, VersionRecord } from '../store/jwk-versions.js'

const SECOND = 1000
const UNIT_MS: Record<string, number> = { D: 86_400 * SECOND, H: 3600 * SECOND, M: 60 * SECOND, S: SECOND }

/** Milliseconds of a duration the schema already accepted (`P30D`, `PT12H`, `P1DT6H`). */
export function durationMs (duration: string): number {
  let total = 0
  for (const [, amount, unit] of duration.matchAll(/(\d+)([DHMS])/g)) total += Number(amount) * UNIT_MS[unit!]!
  return total
}

export const DEFAULT_VERIFICATION_TTL = 'P7D'
const MIN_PERIOD_MS = 60 * SECOND

function formatDuration (ms: number): string {
  const seconds = Math.floor(ms / SECOND)
  const days = Math.floor(seconds / 86_400)
  const rest = seconds % 86_400
  const parts = [[Math.floor(rest / 3600), 'H'], [Math.floor(rest % 3600 / 60), 'M'], [rest % 60, 'S']] as const
  const time = rest === 0 ? '' : `T${parts.filter(([amount]) => amount > 0).map(([amount, unit]) => `${amount}${unit}`).join('')}`
  return `P${days > 0 || time === '' ? `${days}D` : ''}${time}`
}

/** The policy as stored, defaults filled in; what cannot work is a 400 naming `field`. */
export function normalizePolicy (body: RotationPolicyBody, field: string): RotationPolicy {
  const period = durationMs(body.period)
  if (period < MIN_PERIOD_MS) throw new BadRequestError(`${field}.period (${body.period}) must be at least PT1M`)
  const publishAhead = body.publishAhead ?? formatDuration(Math.min(durationMs('P1D'), Math.floor(period / 2 / SECOND) * SECOND))
  if (durationMs(publishAhead) >= period) {
    throw new BadRequestError(`${field}.publishAhead (${publishAhead}) must be shorter than ${field}.period (${body.period})`)
  }
  const verificationTtl = body.verificationTtl ?? DEFAULT_VERIFICATION_TTL
  if (durationMs(verificationTtl) === 0) throw new BadRequestError(`${field}.verificationTtl must be longer than zero`)
  return { period: body.period, verificationTtl, publishAhead, ...(body.retain === undefined ? {} : { retain: body.retain }) }
}

/** What the scheduler does to a key next, and when (ms since the epoch). */
export type LifecycleEvent =
  | { kind: 'publish', at: number }
  | { kind: 'activate', at: number, version: VersionRecord }
  | { kind: 'destroy', at: number, version: VersionRecord }

const time = (iso: string | null): number => iso === null ? NaN : Date.parse(iso)

/**
 * Every event the rules schedule for a key: the next version published
 * `publishAhead` before the current one's period ends, a pending version
 * made current at its time, retired versions beyond `retain` destroyed once
 * they no longer verify.
 */
export function lifecycleEvents (policy: RotationPolicy | null, versions: readonly VersionRecord[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = []
  const pending = versions.find(version => version.state === 'PENDING')
  const current = versions.find(version => version.state === 'ACTIVE')
  if (pending !== undefined) events.push({ kind: 'activate', at: time(pending.activatesAt), version: pending })
  else if (policy !== null && current !== undefined) {
    events.push({ kind: 'publish', at: time(current.activatesAt) + durationMs(policy.period) - durationMs(policy.publishAhead) })
  }
  if (policy?.retain !== undefined) {
    const retired = versions.filter(version => version.state === 'RETIRED').sort((a, b) => b.version - a.version)
    for (const version of retired.slice(policy.retain)) events.push({ kind: 'destroy', at: time(version.verifyUntil), version })
  }
  return events.sort((a, b) => a.at - b.at)
}

export const nextEventAt = (events: readonly LifecycleEvent[]): string | null =>
  events.length === 0 ? null : new Date(events[0]!.at).toISOString()

/** The versions beside the current one that the key's snapshot publishes (the set filters them by the clock). */
export function publicationOf (versions: readonly VersionRecord[], events: readonly LifecycleEvent[]): Publication {
  const published: PublishedVersion[] = []
  for (const version of versions) {
    if ((version.state !== 'PENDING' && version.state !== 'RETIRED') || version.publicJwk === null) continue
    published.push({
      kid: version.kid,
      state: version.state,
      jwk: version.publicJwk,
      expiresAt: version.expiresAt,
      ...(version.state === 'PENDING' ? { activatesAt: version.activatesAt! } : { verifyUntil: version.verifyUntil! })
    })
  }
  const publish = events.find(event => event.kind === 'publish')
  return { versions: published, ...(publish === undefined ? {} : { nextPublishAt: new Date(publish.at).toISOString() }) }
}
