import { join } from 'node:path'
import type { Jwk } from '../crypto/jwk.js'
import type { JwkRecord } from '../store/jwks.js'
import type { Publication } from '../store/jwk-versions.js'

/**
 * What an environment holds for one key: the public members in clear, the
 * private ones still sealed under the master key (same blob as the database).
 */
export interface Snapshot {
  format: 1
  id: string
  projectId: string
  project: string
  name: string
  description: string
  type: string
  kid: string | null
  keyUseType: string
  algorithm: string | null
  thumbprint: string
  notBeforeTime: string
  expirationTime: string
  revision: number
  jwk: Jwk
  sealedPrivate: string | null
  /** a key with versions: the others it publishes (public members only), and when that next changes */
  publication?: Publication
}

export const environmentsDir = (dataDir: string): string => join(dataDir, 'environments')

export const environmentDir = (dataDir: string, environment: string): string => join(environmentsDir(dataDir), environment)

/**
 * Every snapshot of an environment, in one SQLite database (see
 * EnvironmentSnapshots). Named by the environment's id as well: an
 * environment deleted and created again under the same name gets a new file,
 * so a connection still open on the old one (in a running server) can never
 * touch the new one's write-ahead log, which SQLite finds by name.
 */
export const environmentDatabaseFile = (environmentId: string): string => `snapshots-${environmentId}.db`

export const environmentDatabasePath = (dataDir: string, environment: { id: string, name: string }): string =>
  join(environmentDir(dataDir, environment.name), environmentDatabaseFile(environment.id))

export function toSnapshot (record: JwkRecord, projectName: string): Snapshot {
  return {
    format: 1,
    id: record.id,
    projectId: record.projectId,
    project: projectName,
    name: record.name,
    description: record.description,
    type: record.type,
    kid: record.kid,
    keyUseType: record.keyUse,
    algorithm: record.algorithm,
    thumbprint: record.thumbprint,
    notBeforeTime: record.notBefore,
    expirationTime: record.expiresAt,
    revision: record.revision,
    jwk: record.publicJwk,
    sealedPrivate: record.sealedPrivate,
    ...(record.publication === null ? {} : { publication: record.publication })
  }
}
