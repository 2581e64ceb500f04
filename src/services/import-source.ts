import { BadRequestError } from '../errors.js'

type JsonObject = Record<string, unknown>

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value)

/** JSON text that must hold a JWK or a JWK Set; its content is never quoted in errors. */
export function parseJwkDocument (text: string, origin: string): JsonObject {
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
