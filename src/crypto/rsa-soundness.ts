import { checkPrimeSync, createPrivateKey, createPublicKey, sign, verify, type JsonWebKeyInput } from 'node:crypto'
import { base64urlToBigInt } from './base64url.js'

/** Larger moduli cost seconds per operation for anyone who uses them: a denial of service, not a key. */
export const MAX_RSA_BITS = 8192

const gcd = (a: bigint, b: bigint): bigint => {
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

/** Why an RSA public key is unusable (RFC 8017 §3.1), or undefined. */
export function rsaPublicProblem (members: { n: string, e: string }): string | undefined {
  const n = base64urlToBigInt(members.n)
  const e = base64urlToBigInt(members.e)
  const bits = n.toString(2).length
  if (bits > MAX_RSA_BITS) return `RSA keys must be at most ${MAX_RSA_BITS} bits; this one is ${bits}`
  if ((n & 1n) === 0n) return 'the modulus "n" is even: it is no product of two odd primes'
  if (e < 3n || (e & 1n) === 0n || e >= n) return 'the public exponent "e" must be odd, at least 3 and smaller than "n"'
  return undefined
}

/**
 * Why an RSA private key does not belong to its public members, or
 * undefined: Node's import takes every member as given, so a key built from
 * another key's primes or exponent imports fine and signs garbage.
 */
export function rsaPrivateProblem (members: Record<string, string>): string | undefined {
  const member = (name: string): bigint => base64urlToBigInt(members[name] ?? '')
  const [n, e, d, p, q] = [member('n'), member('e'), member('d'), member('p'), member('q')]
  if (p <= 1n || q <= 1n || p * q !== n) return 'the primes "p" and "q" are not the factors of the modulus "n"'
  if (!checkPrimeSync(p) || !checkPrimeSync(q)) return '"p" and "q" must be prime'
  const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n)
  if ((d * e) % lambda !== 1n) return 'the private exponent "d" does not invert the public exponent "e"'
  if (member('dp') !== d % (p - 1n) || member('dq') !== d % (q - 1n) || (member('qi') * q) % p !== 1n) {
    return 'the CRT members "dp", "dq" and "qi" do not fit "p", "q" and "d"'
  }
  // The arithmetic says it; a signature shows the key as OpenSSL will use it.
  const message = Buffer.from('jwkd import check')
  const signature = sign('sha256', message, createPrivateKey({ key: members, format: 'jwk' } as JsonWebKeyInput))
  const publicKey = createPublicKey({ key: { kty: 'RSA', n: members.n, e: members.e }, format: 'jwk' } as JsonWebKeyInput)
  return verify('sha256', message, publicKey, signature) ? undefined : 'a signature made with the private key does not verify with the public one'
}
