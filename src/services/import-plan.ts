import { certificateJwk } from '../crypto/certificate.js'
import { BadRequestError } from '../errors.js'
import type { CreateJwkBody } from '../schemas/manage.js'
import { SOURCE_TYPES } from '../schemas/manage.js'
import { DEFAULT_FETCH_LIMITS, displayUrl, parseHttpUrl, type UrlFetcher } from './fetch-url.js'
import { parseJwkDocument, pickJwk } from './import-source.js'

type ImportedSourceType = (typeof SOURCE_TYPES)[number]

export interface ImportSource {
  sourceType: ImportedSourceType
  sourceUrl: string | null
  /** the stored resource the key came from (a certificate, a key) */
  sourceId: string | null
  /** the one JWK picked from the document, not yet vetted */
  jwk: Record<string, unknown>
  /** members the stored JWK carries besides its key and dates (a certificate's x5c and x5t#S256) */
  extraMembers?: Record<string, unknown>
  /** where `use` and `alg` came from, when the request gave them (for messages) */
  usageFields?: { use: string, algorithm: string }
}

/** The project's stored sources, found by name (the service knows the project). */
export interface SourceLookup {
  /** the DER of the certificate's copy in that environment; throws the client's 400 when there is none */
  certificate: (certificateName: string, environmentName: string) => Promise<{ id: string, der: Buffer }>
  /** the JWK members of the key's copy in that environment, public or with its private part; throws the client's 400 when there is none */
  key: (keyName: string, environmentName: string, part: 'public' | 'private') => Promise<{ id: string, jwk: Record<string, unknown> }>
  /** the JWK members of an alias of the keystore's copy in that environment, with its chain; throws the client's 400 when there is none */
  keystore: (keystoreName: string, environmentName: string, aliasName: string) => Promise<{ id: string, jwk: Record<string, unknown>, x5c?: string[], thumbprint?: string }>
}

const URL_FIELDS = ['url', 'urlOptionConnectTimeout', 'urlOptionReadTimeout', 'urlOptionSizeLimit'] as const
const USAGE_FIELDS = ['environmentName', 'useType', 'algorithm'] as const
const KEY_FIELDS = ['keyName', ...USAGE_FIELDS] as const
const FIELDS_OF: Record<ImportedSourceType, readonly string[]> = {
  COPY_PASTE: ['jwkStr'],
  URL: URL_FIELDS,
  CERTIFICATE: ['certificateName', ...USAGE_FIELDS],
  PUBLIC_KEY: KEY_FIELDS,
  PRIVATE_KEY: KEY_FIELDS,
  KEYSTORE: ['keyStoreName', 'aliasName', ...USAGE_FIELDS]
}

function checkSourceType (sourceType: string): ImportedSourceType {
  if (sourceType.trim() === '') throw new BadRequestError('Source type is required!')
  if ((SOURCE_TYPES as readonly string[]).includes(sourceType)) return sourceType as ImportedSourceType
  if (sourceType === 'GENERATE') {
    throw new BadRequestError('Source type GENERATE is not created here: use POST /apiops/projects/{projectName}/jwks/generate')
  }
  const shown = JSON.stringify(sourceType.slice(0, 32))
  throw new BadRequestError(`Invalid source type ${shown}; supported: ${SOURCE_TYPES.join(', ')}`)
}

/** A field that belongs to another source type is refused, naming the one it belongs to. */
function refuseMisplaced (body: CreateJwkBody, sourceType: ImportedSourceType): void {
  const own = FIELDS_OF[sourceType]
  for (const [field, value] of Object.entries(body)) {
    if (value === undefined || own.includes(field)) continue
    const owners = SOURCE_TYPES.filter(owner => FIELDS_OF[owner].includes(field))
    if (owners.length > 0) throw new BadRequestError(`${field} is only used with source type ${owners.join(' or ')}`)
  }
}

const requiredFor = (value: string | undefined, what: string, sourceType: string): string => {
  if (value === undefined || value.trim() === '') throw new BadRequestError(`${what} is required for ${sourceType} source type!`)
  return value
}

/** Where the key comes from, per `sourceType`, with the fields another source takes refused. */
export async function loadImportDocument (body: CreateJwkBody, fetcher: UrlFetcher, lookup: SourceLookup, signal?: AbortSignal): Promise<ImportSource> {
  const sourceType = checkSourceType(body.sourceType)
  refuseMisplaced(body, sourceType)
  if (sourceType === 'COPY_PASTE') {
    if (body.jwkStr === undefined || body.jwkStr.trim() === '') throw new BadRequestError('JWK string is required for COPY_PASTE source type!')
    return { sourceType, sourceUrl: null, sourceId: null, jwk: pickJwk(parseJwkDocument(body.jwkStr, 'jwkStr'), body.kid, 'jwkStr') }
  }
  if (sourceType === 'CERTIFICATE') return await fromCertificate(body, lookup)
  if (sourceType === 'PUBLIC_KEY' || sourceType === 'PRIVATE_KEY') return await fromKey(body, sourceType, lookup)
  if (sourceType === 'KEYSTORE') return await fromKeystore(body, lookup)
  if (body.url === undefined || body.url.trim() === '') throw new BadRequestError('URL is required for URL source type!')
  const url = parseHttpUrl(body.url.trim())
  const shown = displayUrl(url)
  const jwk = await fetcher.fetch(url, {
    connectTimeoutMs: body.urlOptionConnectTimeout ?? DEFAULT_FETCH_LIMITS.connectTimeoutMs,
    readTimeoutMs: body.urlOptionReadTimeout ?? DEFAULT_FETCH_LIMITS.readTimeoutMs,
    sizeLimit: body.urlOptionSizeLimit ?? DEFAULT_FETCH_LIMITS.sizeLimit
  }, text => pickJwk(parseJwkDocument(text, 'the answer'), body.kid, 'the answer'), signal)
  return { sourceType, sourceUrl: shown, sourceId: null, jwk }
}

/** The environment, use and algorithm a stored source needs, in the documents' order. */
function usageOf (body: CreateJwkBody, sourceType: string): { environmentName: string, use: string, algorithm: string } {
  const environmentName = requiredFor(body.environmentName, 'Environment name', sourceType)
  const useType = requiredFor(body.useType, 'Use type', sourceType)
  const algorithm = requiredFor(body.algorithm, 'Algorithm', sourceType)
  return { environmentName, use: useType === 'SIGNATURE' ? 'sig' : 'enc', algorithm }
}

/** A stored key's public part (PUBLIC_KEY) or the whole key (PRIVATE_KEY), its use and algorithm from the request. */
async function fromKey (body: CreateJwkBody, sourceType: 'PUBLIC_KEY' | 'PRIVATE_KEY', lookup: SourceLookup): Promise<ImportSource> {
  const keyName = requiredFor(body.keyName, 'Key name', sourceType)
  const { environmentName, use, algorithm } = usageOf(body, sourceType)
  const { id, jwk } = await lookup.key(keyName, environmentName, sourceType === 'PRIVATE_KEY' ? 'private' : 'public')
  return {
    sourceType,
    sourceUrl: null,
    sourceId: id,
    jwk: { ...jwk, ...(body.kid === undefined ? {} : { kid: body.kid }), use, alg: algorithm },
    usageFields: { use: 'useType', algorithm: 'algorithm' }
  }
}

/** The certificate's public key, its use and algorithm from the request, its dates and x5c from the certificate. */
async function fromCertificate (body: CreateJwkBody, lookup: SourceLookup): Promise<ImportSource> {
  const certificateName = requiredFor(body.certificateName, 'Certificate name', 'CERTIFICATE')
  const { environmentName, use, algorithm } = usageOf(body, 'CERTIFICATE')
  const { id, der } = await lookup.certificate(certificateName, environmentName)
  const { x5c, 'x5t#S256': thumbprint, ...jwk } = certificateJwk(der)
  if (body.kid !== undefined) jwk.kid = body.kid
  return {
    sourceType: 'CERTIFICATE',
    sourceUrl: null,
    sourceId: id,
    jwk: { ...jwk, use, alg: algorithm },
    extraMembers: { x5c, 'x5t#S256': thumbprint },
    usageFields: { use: 'useType', algorithm: 'algorithm' }
  }
}

/** An alias of a stored keystore: its key (with the private members it has), its use and algorithm from the request, its chain as x5c. */
async function fromKeystore (body: CreateJwkBody, lookup: SourceLookup): Promise<ImportSource> {
  const keyStoreName = requiredFor(body.keyStoreName, 'Keystore name', 'KEYSTORE')
  const aliasName = requiredFor(body.aliasName, 'Alias name', 'KEYSTORE')
  const { environmentName, use, algorithm } = usageOf(body, 'KEYSTORE')
  const { id, jwk, x5c, thumbprint } = await lookup.keystore(keyStoreName, environmentName, aliasName)
  return {
    sourceType: 'KEYSTORE',
    sourceUrl: null,
    sourceId: id,
    jwk: { ...jwk, ...(body.kid === undefined ? {} : { kid: body.kid }), use, alg: algorithm },
    ...(x5c === undefined ? {} : { extraMembers: { x5c, 'x5t#S256': thumbprint } }),
    usageFields: { use: 'useType', algorithm: 'algorithm' }
  }
}
