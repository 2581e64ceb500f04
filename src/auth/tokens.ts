import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Repositories, Store } from '../store/store.js'
import type { TokenRecord } from '../store/tokens.js'
import { ALL_PROJECTS } from './roles.js'

const TOKEN_PREFIX = 'jwkd_'

/** 256 random bits; the prefix lets secret scanners recognise a leaked token. */
export const newTokenValue = (): string => TOKEN_PREFIX + randomBytes(32).toString('base64url')

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex')

export interface IssuedToken {
  token: string
  record: TokenRecord
}

/** Inside a transaction, its repositories; the token's value is returned once and only its hash stored. */
export async function issueToken (repositories: Repositories, options: { name: string, roles: string[], projects: string[], expiresAt: Date | null }): Promise<IssuedToken> {
  const token = newTokenValue()
  const record = await repositories.tokens.insert({
    name: options.name,
    hash: hashToken(token),
    roles: options.roles,
    projects: options.projects,
    expiresAt: options.expiresAt?.toISOString() ?? null
  })
  return { token, record }
}

/** `Bearer <token>` → the live token it names, or undefined for any kind of failure. */
export async function authenticate (store: Store, authorization: string | undefined, now: Date): Promise<TokenRecord | undefined> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '')
  if (match === null) return undefined
  const hash = hashToken(match[1] as string)
  const record = await store.tokens.findByHash(hash)
  if (record === undefined) return undefined
  // The lookup is by hash already; compare again in constant time so no
  // timing difference depends on how much of the hash matched.
  if (!timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) return undefined
  if (record.revokedAt !== null) return undefined
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) return undefined
  return record
}

export const canAccessProject = (token: TokenRecord, projectName: string): boolean =>
  token.projects.includes(ALL_PROJECTS) || token.projects.includes(projectName)
