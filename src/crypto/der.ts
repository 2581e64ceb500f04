/** Just enough DER to read an encrypted key's parameters before anything decrypts it. */
export interface Tlv {
  tag: number
  /** the contents, without tag and length */
  value: Buffer
  /** the whole element */
  end: number
}

export class DerError extends Error {
  constructor () {
    super('malformed DER')
    this.name = 'DerError'
  }
}

/** The element at `offset`: definite lengths only (DER), at most four length bytes. */
export function readTlv (buffer: Buffer, offset = 0): Tlv {
  if (offset + 2 > buffer.length) throw new DerError()
  const tag = buffer[offset]!
  let length = buffer[offset + 1]!
  let start = offset + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    if (bytes === 0 || bytes > 4 || start + bytes > buffer.length) throw new DerError()
    length = buffer.readUIntBE(start, bytes)
    start += bytes
  }
  const end = start + length
  if (end > buffer.length) throw new DerError()
  return { tag, value: buffer.subarray(start, end), end }
}

/** The elements of a constructed value, in order. */
export function children (value: Buffer): Tlv[] {
  const elements: Tlv[] = []
  for (let offset = 0; offset < value.length;) {
    const element = readTlv(value, offset)
    elements.push(element)
    offset = element.end
  }
  return elements
}

export const TAG = { INTEGER: 0x02, OCTET_STRING: 0x04, OID: 0x06, SEQUENCE: 0x30 } as const

/** A non-negative INTEGER that fits a double exactly; larger ones are reported as Infinity. */
export function readUnsigned (element: Tlv): number {
  if (element.tag !== TAG.INTEGER || element.value.length === 0 || (element.value[0]! & 0x80) !== 0) throw new DerError()
  let value = 0
  for (const byte of element.value) value = value * 256 + byte
  return Number.isSafeInteger(value) ? value : Infinity
}

/** Dotted form of an OBJECT IDENTIFIER. */
export function readOid (element: Tlv): string {
  if (element.tag !== TAG.OID || element.value.length === 0) throw new DerError()
  const arcs: number[] = []
  let arc = 0
  for (const byte of element.value) {
    arc = arc * 128 + (byte & 0x7f)
    if (arc > Number.MAX_SAFE_INTEGER) throw new DerError()
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(Math.min(2, Math.floor(arc / 40)), arc - Math.min(2, Math.floor(arc / 40)) * 40)
      else arcs.push(arc)
      arc = 0
    }
  }
  return arcs.join('.')
}
