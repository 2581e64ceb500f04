import { createHash } from 'node:crypto'
import type { Jwk } from '../crypto/jwk.js'
import type { Deployer } from '../deploy/deployer.js'
import { NotFoundError, ServiceUnavailableError } from '../errors.js'
import type { Store } from '../store/store.js'

export interface PublicJwkSet {
  body: string
  etag: string
}

/**
 * The public JWK Set of one project in one environment, built from what is
 * deployed there (its snapshots), not from the database: a key whose deploy
 * failed in an environment is not published by it. Only asymmetric keys,
 * only public members, only keys not yet expired.
 */
export class PublicJwks {
  readonly #deployer: Deployer
  readonly #store: Store

  constructor (deployer: Deployer, store: Store) {
    this.#deployer = deployer
    this.#store = store
  }

  get (environmentName: string, project: string, now = new Date()): PublicJwkSet {
    const environment = this.#store.environments.findByName(environmentName)
    if (environment === undefined || this.#store.projects.findByName(project) === undefined) {
      throw new NotFoundError(`No JWK Set for project (${project.slice(0, 64)}) in environment (${environmentName.slice(0, 64)})`)
    }
    let snapshots
    try {
      snapshots = this.#deployer.deployed(environment, project)
    } catch {
      throw new ServiceUnavailableError(`Environment (${environment.name}) cannot be read right now`, 5)
    }
    const keys: Jwk[] = snapshots
      .filter(snapshot => snapshot.type !== 'OCT' && Date.parse(snapshot.expirationTime) > now.getTime())
      .sort((a, b) => a.notBeforeTime.localeCompare(b.notBeforeTime) || a.id.localeCompare(b.id))
      .map(snapshot => snapshot.jwk)
    const body = JSON.stringify({ keys })
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` }
  }
}
