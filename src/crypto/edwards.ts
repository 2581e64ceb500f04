/**
 * Ed25519 and Ed448 public keys that sign nothing: encodings that are no
 * point of the curve, non-canonical ones, and points of small order (the
 * identity among them), whose "signatures" verify for many keys at once.
 * Plain BigInt arithmetic on the curves of RFC 8032; public data only, so
 * nothing here needs to run in constant time.
 */
interface Curve {
  p: bigint
  a: bigint
  d: bigint
  cofactor: number
  bytes: number
  sqrt: (u: bigint) => bigint | undefined
}

const mod = (value: bigint, p: bigint): bigint => ((value % p) + p) % p

function pow (base: bigint, exponent: bigint, p: bigint): bigint {
  let result = 1n
  let b = mod(base, p)
  for (let e = exponent; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = (result * b) % p
    b = (b * b) % p
  }
  return result
}

const inverse = (value: bigint, p: bigint): bigint => pow(value, p - 2n, p)

const P25519 = 2n ** 255n - 19n
const P448 = 2n ** 448n - 2n ** 224n - 1n

const ED25519: Curve = {
  p: P25519,
  a: P25519 - 1n,
  d: mod(-121665n * inverse(121666n, P25519), P25519),
  cofactor: 8,
  bytes: 32,
  // p ≡ 5 (mod 8): RFC 8032 §5.1.3
  sqrt: u => {
    const x = pow(u, (P25519 + 3n) / 8n, P25519)
    if (mod(x * x - u, P25519) === 0n) return x
    const rotated = mod(x * pow(2n, (P25519 - 1n) / 4n, P25519), P25519)
    return mod(rotated * rotated - u, P25519) === 0n ? rotated : undefined
  }
}

const ED448: Curve = {
  p: P448,
  a: 1n,
  d: P448 - 39081n,
  cofactor: 4,
  bytes: 57,
  // p ≡ 3 (mod 4): RFC 8032 §5.2.3
  sqrt: u => {
    const x = pow(u, (P448 + 1n) / 4n, P448)
    return mod(x * x - u, P448) === 0n ? x : undefined
  }
}

type Point = readonly [x: bigint, y: bigint]

function decode (curve: Curve, encoded: Buffer): Point | undefined {
  if (encoded.length !== curve.bytes) return undefined
  const bytes = Buffer.from(encoded)
  const sign = bytes[curve.bytes - 1]! >> 7
  bytes[curve.bytes - 1]! &= 0x7f
  const y = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`)
  if (y >= curve.p) return undefined
  const { p, a, d } = curve
  const u = mod((y * y - 1n) * inverse(mod(d * y * y - a, p), p), p)
  const x = curve.sqrt(u)
  if (x === undefined || (x === 0n && sign === 1)) return undefined
  return [Number(x & 1n) === sign ? x : p - x, y]
}

// Complete addition on a·x² + y² = 1 + d·x²·y² (both curves: a square, d not).
function add (curve: Curve, [x1, y1]: Point, [x2, y2]: Point): Point {
  const { p, a, d } = curve
  const t = mod(d * x1 * x2 * y1 * y2, p)
  return [mod((x1 * y2 + y1 * x2) * inverse(1n + t, p), p), mod((y1 * y2 - a * x1 * x2) * inverse(mod(1n - t, p), p), p)]
}

/** Why this Ed25519 / Ed448 public key (`x` of the JWK) is unusable, or undefined if it is sound. */
export function edwardsKeyProblem (crv: 'Ed25519' | 'Ed448', x: Buffer): string | undefined {
  const curve = crv === 'Ed25519' ? ED25519 : ED448
  let point = decode(curve, x)
  if (point === undefined) return `"x" is not a canonical ${crv} point`
  for (let factor = 1; factor < curve.cofactor; factor *= 2) point = add(curve, point, point)
  return point[0] === 0n && point[1] === 1n ? '"x" is a point of small order: it would verify forged signatures' : undefined
}
