import { BadRequestError } from '../errors.js'

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A JWK Set with multi-prime members nests four deep; anything far deeper is an attack on the parser or the thread hand-off. */
export const MAX_DOCUMENT_DEPTH = 16
/** One JWK: an 8192-bit RSA private key is under 6 KiB. */
export const MAX_JWK_BYTES = 16 * 1024

/** How deeply arrays and objects nest in JSON text, found without parsing (no recursion to overflow). */
export function jsonDepth (text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i)
    if (inString) {
      if (char === 0x5c) i++ // backslash: skip the escaped character
      else if (char === 0x22) inString = false
    } else if (char === 0x22) {
      inString = true
    } else if (char === 0x5b || char === 0x7b) {
      if (++depth > deepest) deepest = depth
    } else if (char === 0x5d || char === 0x7d) {
      depth--
    }
  }
  return deepest
}

/** JSON text that must hold a JWK or a JWK Set; its content is never quoted in errors. */
export function parseJwkDocument (text: string, origin: string): JsonObject {
  if (jsonDepth(text) > MAX_DOCUMENT_DEPTH) throw new BadRequestError(`${origin} nests deeper than ${MAX_DOCUMENT_DEPTH} levels; a JWK Set needs four`)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new BadRequestError(`${origin} is not valid JSON`)
  }
  if (!isObject(document)) throw new BadRequestError(`${origin} must hold a JWK or a JWK Set (a JSON object)`)
  return document
}

/**
 * The one JWK to import from a JWK or a JWK Set (RFC 7517 §5). A set needs
 * a `kid` unless it holds a single key; a lone JWK without a kid takes the
 * requested one.
 */
export function pickJwk (document: JsonObject, kid: string | undefined, origin: string): JsonObject {
  const picked = pickFrom(document, kid, origin)
  if (Buffer.byteLength(JSON.stringify(picked)) > MAX_JWK_BYTES) throw new BadRequestError(`The JWK in ${origin} is larger than ${MAX_JWK_BYTES} bytes`)
  return picked
}

function pickFrom (document: JsonObject, kid: string | undefined, origin: string): JsonObject {
  if (!('keys' in document)) {
    if (kid !== undefined && document.kid !== undefined && document.kid !== kid) {
      throw new BadRequestError(`The JWK in ${origin} has kid ${JSON.stringify(String(document.kid).slice(0, 255))}, not ${JSON.stringify(kid)}`)
    }
    return kid !== undefined && document.kid === undefined ? { ...document, kid } : document
  }
  const keys = document.keys
  if (!Array.isArray(keys)) throw new BadRequestError(`"keys" in ${origin} must be an array`)
  if (keys.length === 0) throw new BadRequestError(`The JWK Set in ${origin} holds no keys`)
  if (kid === undefined) {
    if (keys.length > 1) throw new BadRequestError(`The JWK Set in ${origin} holds ${keys.length} keys; name the one to import with kid`)
    if (!isObject(keys[0])) throw new BadRequestError(`The key in ${origin} must be a JSON object`)
    return keys[0]
  }
  const found = keys.find(key => isObject(key) && key.kid === kid)
  if (found === undefined) throw new BadRequestError(`No key with kid ${JSON.stringify(kid)} in the JWK Set in ${origin}`)
  return found as JsonObject
}
