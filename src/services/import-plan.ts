import { BadRequestError } from '../errors.js'
import type { CreateJwkBody } from '../schemas/manage.js'
import { SOURCE_TYPES } from '../schemas/manage.js'
import { DEFAULT_FETCH_LIMITS, displayUrl, parseHttpUrl, type UrlFetcher } from './fetch-url.js'
import { parseJwkDocument, pickJwk } from './import-source.js'

export interface ImportSource {
  sourceType: 'COPY_PASTE' | 'URL'
  sourceUrl: string | null
  /** the one JWK picked from the document, not yet vetted */
  jwk: Record<string, unknown>
}

const URL_FIELDS = ['url', 'urlOptionConnectTimeout', 'urlOptionReadTimeout', 'urlOptionSizeLimit'] as const
const UNSUPPORTED = ['CERTIFICATE', 'PUBLIC_KEY', 'PRIVATE_KEY', 'KEYSTORE']

function checkSourceType (sourceType: string): 'COPY_PASTE' | 'URL' {
  if (sourceType.trim() === '') throw new BadRequestError('Source type is required!')
  if ((SOURCE_TYPES as readonly string[]).includes(sourceType)) return sourceType as 'COPY_PASTE' | 'URL'
  if (sourceType === 'GENERATE') {
    throw new BadRequestError('Source type GENERATE is not created here: use POST /apiops/projects/{projectName}/jwks/generate')
  }
  const shown = JSON.stringify(sourceType.slice(0, 32))
  throw new BadRequestError(UNSUPPORTED.includes(sourceType)
    ? `Source type ${shown} is not supported by jwkd; supported: ${SOURCE_TYPES.join(', ')}`
    : `Invalid source type ${shown}; supported: ${SOURCE_TYPES.join(', ')}`)
}

/** Where the key comes from, per `sourceType`, with the fields the other source takes refused. */
export async function loadImportDocument (body: CreateJwkBody, fetcher: UrlFetcher, signal?: AbortSignal): Promise<ImportSource> {
  const sourceType = checkSourceType(body.sourceType)
  if (sourceType === 'COPY_PASTE') {
    const misplaced = URL_FIELDS.find(field => body[field] !== undefined)
    if (misplaced !== undefined) throw new BadRequestError(`${misplaced} is only used with source type URL`)
    if (body.jwkStr === undefined || body.jwkStr.trim() === '') throw new BadRequestError('JWK string is required for COPY_PASTE source type!')
    return { sourceType, sourceUrl: null, jwk: pickJwk(parseJwkDocument(body.jwkStr, 'jwkStr'), body.kid, 'jwkStr') }
  }
  if (body.jwkStr !== undefined) throw new BadRequestError('jwkStr is only used with source type COPY_PASTE')
  if (body.url === undefined || body.url.trim() === '') throw new BadRequestError('URL is required for URL source type!')
  const url = parseHttpUrl(body.url.trim())
  const shown = displayUrl(url)
  const jwk = await fetcher.fetch(url, {
    connectTimeoutMs: body.urlOptionConnectTimeout ?? DEFAULT_FETCH_LIMITS.connectTimeoutMs,
    readTimeoutMs: body.urlOptionReadTimeout ?? DEFAULT_FETCH_LIMITS.readTimeoutMs,
    sizeLimit: body.urlOptionSizeLimit ?? DEFAULT_FETCH_LIMITS.sizeLimit
  }, text => pickJwk(parseJwkDocument(text, 'the answer'), body.kid, 'the answer'), signal)
  return { sourceType, sourceUrl: shown, jwk }
}
