import { isIPv4, isIPv6 } from 'node:net'

/**
 * Which IP addresses an outbound fetch (URL import) may connect to: public
 * unicast only, unless the operator opens private ones. Pure: no sockets,
 * no lookups, so every class is testable without a packet leaving the host.
 */
export type AddressClass =
  | 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'unique-local'
  | 'multicast' | 'broadcast' | 'documentation' | 'benchmarking' | 'reserved' | 'not an IP address'

type Range = readonly [prefix: Uint8Array, bits: number, kind: AddressClass]

function ipv4Bytes (text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number))
}

/** 16 bytes of an IPv6 address in any valid notation (`::`, an IPv4 tail, a zone). */
function ipv6Bytes (text: string): Uint8Array {
  let address = text.split('%')[0] as string
  const bytes = new Uint8Array(16)
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address)
  if (tail !== null) {
    const v4 = ipv4Bytes(tail[1] as string)
    address = address.slice(0, -(tail[1] as string).length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`
  }
  const [head, rest] = address.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = rest === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right]
  groups.forEach((group, index) => {
    const value = parseInt(group, 16)
    bytes[index * 2] = value >> 8
    bytes[index * 2 + 1] = value & 0xff
  })
  return bytes
}

function range (cidr: string, kind: AddressClass): Range {
  const [address, bits] = cidr.split('/') as [string, string]
  return [isIPv4(address) ? ipv4Bytes(address) : ipv6Bytes(address), Number(bits), kind]
}

// IANA's special-purpose registries (RFC 6890 and successors); anything not here is public.
const IPV4_RANGES: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved')
]

const IPV6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'reserved'), // IPv4-compatible, deprecated
  range('100::/64', 'reserved'), // discard-only
  range('2001::/23', 'reserved'), // IETF protocol assignments, Teredo among them
  range('2001:db8::/32', 'documentation'),
  range('3fff::/20', 'documentation'),
  range('5f00::/16', 'reserved'), // SRv6 SIDs
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'reserved'), // site-local, deprecated
  range('ff00::/8', 'multicast')
]

// Prefixes that carry an IPv4 address: judged by the address they lead to.
const EMBEDS_IPV4: ReadonlyArray<readonly [Range, (bytes: Uint8Array) => Uint8Array]> = [
  [range('::ffff:0:0/96', 'reserved'), bytes => bytes.slice(12)], // IPv4-mapped
  [range('64:ff9b::/96', 'reserved'), bytes => bytes.slice(12)], // NAT64
  [range('64:ff9b:1::/48', 'reserved'), bytes => bytes.slice(12)], // local-use NAT64
  [range('2002::/16', 'reserved'), bytes => bytes.slice(2, 6)] // 6to4
]

function inRange (bytes: Uint8Array, [prefix, bits]: Range): boolean {
  if (bytes.length !== prefix.length) return false
  for (let bit = 0; bit < bits; bit += 8) {
    const mask = bits - bit >= 8 ? 0xff : (0xff << (8 - (bits - bit))) & 0xff
    if (((bytes[bit / 8] as number) & mask) !== ((prefix[bit / 8] as number) & mask)) return false
  }
  return true
}

const classify = (bytes: Uint8Array, ranges: readonly Range[]): AddressClass =>
  ranges.find(candidate => inRange(bytes, candidate))?.[2] ?? 'public'

/** The class of an IP address literal (no brackets); `not an IP address` for anything else. */
export function addressClass (address: string): AddressClass {
  if (isIPv4(address)) return classify(ipv4Bytes(address), IPV4_RANGES)
  if (!isIPv6(address)) return 'not an IP address'
  const bytes = ipv6Bytes(address)
  const embedding = EMBEDS_IPV4.find(([candidate]) => inRange(bytes, candidate))
  if (embedding !== undefined) return classify(embedding[1](bytes), IPV4_RANGES)
  return classify(bytes, IPV6_RANGES)
}

export const isPublicAddress = (address: string): boolean => addressClass(address) === 'public'
