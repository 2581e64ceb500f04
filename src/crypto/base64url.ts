/**
 * Whether `text` is the one base64url encoding (RFC 7515 §2, unpadded) of
 * its bytes. Decoders accept variants (a stray 4n+1-th character, non-zero
 * unused bits), so two spellings of one key would get two thumbprints.
 */
export function isCanonicalBase64url (text: string): boolean {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return false
  return Buffer.from(text, 'base64url').toString('base64url') === text
}

/** A big-endian unsigned integer (RSA members, EC scalars). */
export const base64urlToBigInt = (text: string): bigint => {
  const hex = Buffer.from(text, 'base64url').toString('hex')
  return hex === '' ? 0n : BigInt(`0x${hex}`)
}
