import { systemClock, type Clock } from '../clock.js'
import { createHash } from 'node:crypto'
import type { Jwk } from '../crypto/jwk.js'
import type { Deployer } from '../deploy/deployer.js'
import type { Snapshot } from '../deploy/snapshot.js'
import { NotFoundError, ServiceUnavailableError } from '../errors.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'

export interface PublicJwkSet {
  body: string
  etag: string
  /** ms: the next scheduled change of the set (a key expiring, a retired version ending, the next one published) */
  changesAt: number
}

interface CachedSet extends PublicJwkSet {
  /** the environment's version it was built from */
  version: string
  /** ms: when a key or version in it stops being published, and the set must leave it out */
  validUntil: number
}

/** One key of the set, and until when it belongs there. */
interface Entry {
  jwk: Jwk
  until: number
}

/** What a key's snapshot puts in the set at `now`: its current version and the others its publication holds. */
function entriesOf (snapshot: Snapshot, now: number): Entry[] {
  const entries: Entry[] = [{ jwk: snapshot.jwk, until: Date.parse(snapshot.expirationTime) }]
  for (const version of snapshot.publication?.versions ?? []) {
    const expires = Date.parse(version.expiresAt)
    entries.push({ jwk: version.jwk, until: version.verifyUntil === undefined ? expires : Math.min(expires, Date.parse(version.verifyUntil)) })
  }
  return entries.filter(entry => entry.until > now)
}

/**
 * The public JWK Set of one project in one environment, built from what is
 * deployed there (its snapshots), not from the database: a key whose deploy
 * failed in an environment is not published by it. Only asymmetric keys,
 * only public members, only keys not yet expired.
 *
 * Anyone may ask for it, as often as they like, so body and ETag are built
 * once per change of the environment (or expiry of a key), not per request:
 * a request costs a version check, however many or large the keys.
 */
export class PublicJwks {
  readonly #deployer: Deployer
  readonly #store: Store
  readonly #clock: Clock
  readonly #cache = new Map<string, CachedSet>()

  constructor (deployer: Deployer, store: Store, clock: Clock = systemClock) {
    this.#deployer = deployer
    this.#store = store
    this.#clock = clock
  }

  async get (environmentName: string, project: string): Promise<PublicJwkSet> {
    const now = this.#clock()
    const environment = await this.#store.environments.findByName(environmentName)
    if (environment === undefined || await this.#store.projects.findByName(project) === undefined) {
      throw new NotFoundError(`No JWK Set for project (${project.slice(0, 64)}) in environment (${environmentName.slice(0, 64)})`)
    }
    try {
      const version = await this.#deployer.deployedVersion(environment)
      const key = `${environment.id}\0${project}`
      const cached = this.#cache.get(key)
      if (cached !== undefined && cached.version === version && now.getTime() < cached.validUntil) return cached
      const built = await this.#build(environment, project, version, now)
      this.#cache.set(key, built)
      return built
    } catch {
      throw new ServiceUnavailableError(`Environment (${environment.name}) cannot be read right now`, 5)
    }
  }

  async #build (environment: NamedResource, project: string, version: string, now: Date): Promise<CachedSet> {
    const snapshots = (await this.#deployer.deployed(environment, project))
      .filter(snapshot => snapshot.type !== 'OCT')
      .sort((a, b) => a.notBeforeTime.localeCompare(b.notBeforeTime) || a.id.localeCompare(b.id))
    const entries = snapshots.flatMap(snapshot => entriesOf(snapshot, now.getTime()))
    const body = JSON.stringify({ keys: entries.map(entry => entry.jwk) })
    const validUntil = entries.reduce((soonest, entry) => Math.min(soonest, entry.until), Infinity)
    // A version the scheduler publishes changes the set too; passed, it is overdue and imminent.
    const publishes = snapshots.map(snapshot => snapshot.publication?.nextPublishAt).filter(at => at !== undefined).map(at => Date.parse(at))
    return {
      body,
      etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
      version,
      validUntil,
      changesAt: Math.min(validUntil, ...publishes)
    }
  }
}
