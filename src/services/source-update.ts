import { BadRequestError } from '../errors.js'

/** Apinizer's options on updating a JWK source: re-make the JWKs made from it, in this project or all. */
export interface SourceUpdateOptions {
  updateReferencedJwks?: boolean
  updateScope?: 'SAME_PROJECT' | 'ALL_PROJECTS'
}

const SHORTCUT = { key: 'parse-from-key', certificate: 'parse-from-certificate', keystore: 'parse-from-keystore' } as const

/** Not done by jwkd (docs/API.md, "Keys"): said, rather than ignored, so no caller believes its JWKs changed. */
export function refuseReferencedJwksUpdate (options: SourceUpdateOptions, source: keyof typeof SHORTCUT): void {
  if (options.updateReferencedJwks === true) {
    throw new BadRequestError(`updateReferencedJwks is not supported: a JWK made from this ${source} keeps its material; make it again with POST …/jwks/${SHORTCUT[source]}`)
  }
}
