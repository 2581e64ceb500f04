import type { HashKeyIdType } from './kid.js'
import type { Jwk, KeyMaterialSpec } from './jwk.js'

/** What the main thread asks a keygen worker for. Plain data: it crosses threads. */
export interface KeygenTask {
  material: KeyMaterialSpec
  use: 'sig' | 'enc'
  alg?: string
  /** A kid chosen by the caller; wins over `hashKid`. */
  kid?: string
  /** Derive the kid from the key itself (the worker has the key, so it does it). */
  hashKid?: HashKeyIdType
  /** NumericDates for the JWK's iat, nbf and exp. */
  iat: number
  nbf: number
  exp: number
}

export interface GeneratedKey {
  jwk: Jwk
  thumbprint: string
}

/** What a worker sends back: the key and how long the generation itself took. */
export interface KeygenResult extends GeneratedKey {
  durationMs: number
}
