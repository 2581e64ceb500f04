import { createHash } from 'node:crypto'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Jwk } from '../crypto/jwk.js'
import { TEMP_MARKER } from '../deploy/atomic-file.js'
import { environmentDir, type Snapshot } from '../deploy/snapshot.js'
import { NotFoundError } from '../errors.js'
import type { Store } from '../store/store.js'

export interface PublicJwkSet {
  body: string
  etag: string
}

interface CachedDir {
  mtimeMs: number
  builtAt: number
  snapshots: Snapshot[]
}

/**
 * File times tick coarsely (a few ms), so two changes inside one tick leave
 * one mtime. A listing is trusted only if it was read well after the last
 * change; any later change then shows as a new mtime.
 */
const MTIME_SLACK_MS = 50

/**
 * The public JWK Set of one project in one environment, built from what is
 * deployed there (its snapshots), not from the database: a key whose deploy
 * failed in an environment is not published by it. Only asymmetric keys,
 * only public members, only keys not yet expired. Parsed snapshots are
 * cached per directory and re-read when the directory changes (a rename
 * into it, an unlink), whichever process changed it.
 */
export class PublicJwks {
  readonly #dataDir: string
  readonly #store: Store
  readonly #cache = new Map<string, CachedDir>()

  constructor (dataDir: string, store: Store) {
    this.#dataDir = dataDir
    this.#store = store
  }

  async #snapshots (dir: string): Promise<Snapshot[]> {
    let mtimeMs: number
    try {
      mtimeMs = (await stat(dir)).mtimeMs
    } catch {
      return []
    }
    const cached = this.#cache.get(dir)
    if (cached !== undefined && cached.mtimeMs === mtimeMs && cached.builtAt - mtimeMs > MTIME_SLACK_MS) return cached.snapshots
    const builtAt = Date.now()
    const files = (await readdir(dir)).filter(file => file.endsWith('.json') && !file.includes(TEMP_MARKER))
    const snapshots: Snapshot[] = []
    for (const file of files) {
      try {
        snapshots.push(JSON.parse(await readFile(join(dir, file), 'utf8')) as Snapshot)
      } catch {
        // removed between readdir and read: it is not deployed any more
      }
    }
    this.#cache.set(dir, { mtimeMs, builtAt, snapshots })
    return snapshots
  }

  async get (environment: string, project: string, now = new Date()): Promise<PublicJwkSet> {
    if (this.#store.environments.findByName(environment) === undefined || this.#store.projects.findByName(project) === undefined) {
      throw new NotFoundError(`No JWK Set for project (${project.slice(0, 64)}) in environment (${environment.slice(0, 64)})`)
    }
    const snapshots = await this.#snapshots(join(environmentDir(this.#dataDir, environment), 'projects', project, 'jwks'))
    const keys: Jwk[] = snapshots
      .filter(snapshot => snapshot.type !== 'OCT' && Date.parse(snapshot.expirationTime) > now.getTime())
      .sort((a, b) => a.notBeforeTime.localeCompare(b.notBeforeTime) || a.id.localeCompare(b.id))
      .map(snapshot => snapshot.jwk)
    const body = JSON.stringify({ keys })
    return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` }
  }
}
