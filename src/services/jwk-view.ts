import { joinJwk } from '../crypto/jwk.js'
import type { NamedResource } from '../store/named-resources.js'
import type { JwkRecord } from '../store/jwks.js'

/** A key as list and get show it (docs/API.md, "Routes": an item): metadata, no key material. */
export interface JwkItem {
  name: string
  description: string
  projectId: string
  sourceType: string
  sourceId: string | null
  sourceUrl: string | null
  type: string
  kid: string | null
  keyUseType: string
  algorithm: string | null
  notBeforeTime: string
  expirationTime: string
  createdAt: string
  thumbprint: string
  passwordSaltLength?: number
  passwordIterationCount?: number
}

export function toItem (record: JwkRecord, project: NamedResource): JwkItem {
  const item: JwkItem = {
    name: record.name,
    description: record.description,
    projectId: project.id,
    sourceType: record.sourceType,
    sourceId: record.sourceId,
    sourceUrl: record.sourceUrl,
    type: record.type,
    kid: record.kid,
    keyUseType: record.keyUse,
    algorithm: record.algorithm,
    notBeforeTime: record.notBefore,
    expirationTime: record.expiresAt,
    createdAt: record.createdAt,
    thumbprint: record.thumbprint
  }
  // PBES2 settings travel with a symmetric key: whoever uses it as a password needs them.
  if (record.type === 'OCT') {
    item.passwordSaltLength = Number(record.parameters.passwordSaltLength)
    item.passwordIterationCount = Number(record.parameters.passwordIterationCount)
  }
  return item
}

/** The item plus the full JWK under its lower-case type: `{…, "rsa": {kty, n, e, d, …}}`. */
export type JwkDetail = JwkItem & { [type: string]: unknown }

export function toDetail (record: JwkRecord, project: NamedResource, privateMembers: Record<string, string> | undefined): JwkDetail {
  const jwk = privateMembers === undefined ? record.publicJwk : joinJwk(record.publicJwk, privateMembers)
  return { ...toItem(record, project), [record.type.toLowerCase()]: jwk }
}
