import type { AuditEntry, AuditRecord } from './audit.js'
import type { CertificateRecord, NewCertificate } from './certificates.js'
import type { KeyRecord, NewKey } from './crypto-keys.js'
import type { DueKey, JwkRecord, KidAssignment, ListPage, NewJwk } from './jwks.js'
import type { LifecycleSummary, VersionRecord } from './jwk-versions.js'
import type { KeystoreRecord, NewKeystore } from './keystores.js'
import type { NamedResource } from './named-resources.js'
import type { NewToken, TokenRecord } from './tokens.js'

/**
 * What the services may ask of a database, whichever one it is. Every answer
 * is a promise: an embedded database answers at once, a server over the
 * network does not. Writes belong inside `Store.commits.run`, whose work gets
 * the repositories of its transaction.
 */

/** Projects and environments. */
export interface NamedResources {
  create: (name: string, description?: string) => Promise<NamedResource>
  findByName: (name: string) => Promise<NamedResource | undefined>
  list: () => Promise<NamedResource[]>
  /** @returns whether one was deleted */
  delete: (name: string) => Promise<boolean>
}

export interface Tokens {
  insert: (token: NewToken) => Promise<TokenRecord>
  findByHash: (hash: string) => Promise<TokenRecord | undefined>
  list: () => Promise<TokenRecord[]>
  /** @returns whether a live token of that name was revoked */
  revoke: (name: string) => Promise<boolean>
}

export interface Jwks {
  nameHolder: (projectId: string, name: string) => Promise<boolean>
  /** @returns the name of the key that holds the kid */
  kidHolder: (projectId: string, kid: string) => Promise<string | undefined>
  insert: (jwk: NewJwk, kidAssignment: KidAssignment) => Promise<JwkRecord>
  update: (record: JwkRecord, changes: { name?: string, description?: string }) => Promise<JwkRecord>
  delete: (id: string) => Promise<boolean>
  findByName: (projectId: string, name: string) => Promise<JwkRecord | undefined>
  listByProject: (projectId: string, page?: ListPage) => Promise<JwkRecord[]>
  listAll: () => Promise<Array<JwkRecord & { projectName: string }>>
  countByProject: (projectId: string) => Promise<number>
  /** the JWKs made from a source lose the link to it; @returns how many */
  detachFromSource: (sourceId: string) => Promise<number>
  sealedPrivates: () => Promise<Array<{ id: string, sealedPrivate: string }>>
  reseal: (id: string, sealedPrivate: string) => Promise<void>
  /** writes what a rotation or a version's change moves: kid, material, policy, publication, schedule, revision */
  saveLifecycle: (record: JwkRecord) => Promise<void>
  /** keys whose next lifecycle event is due by `now`, soonest first */
  due: (now: Date, limit: number) => Promise<DueKey[]>
}

/** A key's versions; its current one is also the key's own row. */
export interface JwkVersions {
  /** oldest first */
  list: (jwkId: string) => Promise<VersionRecord[]>
  /** inserts or rewrites; a kid another version or key holds is a KidTakenError */
  save: (version: VersionRecord) => Promise<void>
  sealedPrivates: () => Promise<Array<{ jwkId: string, version: number, sealedPrivate: string }>>
  reseal: (jwkId: string, version: number, sealedPrivate: string) => Promise<void>
  /** for the metrics: versions by state, the keys with a schedule */
  summary: () => Promise<LifecycleSummary>
}

/** A project's resources with one copy per environment: certificates, keys, keystores. */
interface PerEnvironment<R, N> {
  findByName: (projectId: string, name: string) => Promise<R | undefined>
  listByProject: (projectId: string) => Promise<R[]>
  countByProject: (projectId: string) => Promise<number>
  insert: (resource: N) => Promise<R>
  delete: (id: string) => Promise<boolean>
}

export interface Certificates extends PerEnvironment<CertificateRecord, NewCertificate> {
  replace: (id: string, certificate: NewCertificate) => Promise<CertificateRecord>
}

export interface Keys extends PerEnvironment<KeyRecord, NewKey> {
  replace: (key: NewKey) => Promise<KeyRecord>
  sealedPrivates: () => Promise<Array<{ keyId: string, environmentId: string, sealedPrivate: string }>>
  reseal: (keyId: string, environmentId: string, sealedPrivate: string) => Promise<void>
}

export interface Keystores extends PerEnvironment<KeystoreRecord, NewKeystore> {
  replace: (keystore: NewKeystore) => Promise<KeystoreRecord>
  sealedContents: () => Promise<Array<{ keystoreId: string, environmentId: string, sealedContent: string }>>
  reseal: (keystoreId: string, environmentId: string, sealedContent: string) => Promise<void>
}

export interface Audit {
  append: (entry: AuditEntry) => Promise<void>
  /** oldest first, from `since` on, at most `limit` entries */
  list: (filter: { project?: string, since?: Date, limit: number }) => Promise<AuditRecord[]>
}

/** Small facts about the data itself (bootstrap done, the master-key check value). */
export interface Meta {
  get: (key: string) => Promise<string | undefined>
  set: (key: string, value: string) => Promise<void>
}

export interface Repositories {
  readonly projects: NamedResources
  readonly environments: NamedResources
  readonly tokens: Tokens
  readonly jwks: Jwks
  readonly jwkVersions: JwkVersions
  readonly certificates: Certificates
  readonly keys: Keys
  readonly keystores: Keystores
  readonly audit: Audit
  readonly meta: Meta
}
