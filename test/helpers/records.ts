import { randomUUID } from 'node:crypto'
import type { NewJwk } from '../../src/store/jwks.js'

/** A key row as the store takes it, for tests of the store itself: no real material, none needed. */
export const newJwk = (projectId: string, name: string): NewJwk => ({
  id: randomUUID(),
  projectId,
  name,
  description: '',
  sourceType: 'GENERATE',
  sourceId: null,
  sourceUrl: null,
  type: 'OKP',
  keyUse: 'SIGNATURE',
  algorithm: 'EdDSA',
  parameters: { curveType: 'ED25519' },
  publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x' },
  sealedPrivate: 'v1.sealed',
  thumbprint: 't',
  notBefore: '2026-01-01T00:00:00.000Z',
  expiresAt: '2027-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z'
})
