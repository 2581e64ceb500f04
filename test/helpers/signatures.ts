/** An ECDSA signature as OpenSSL writes it (DER SEQUENCE of r, s) in the JWS form: r ‖ s, each `size` bytes. */
export function derToJose (der: Buffer, size: number): Buffer {
  let offset = der[1]! & 0x80 ? 3 : 2
  const part = (): Buffer => {
    const length = der[offset + 1]!
    const value = der.subarray(offset + 2, offset + 2 + length)
    offset += 2 + length
    const trimmed = value[0] === 0 ? value.subarray(1) : value
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed])
  }
  return Buffer.concat([part(), part()])
}

/** r ‖ s back to the DER SEQUENCE OpenSSL verifies. */
export function joseToDer (raw: Buffer): Buffer {
  const integer = (half: Buffer): Buffer => {
    let value = half
    while (value.length > 1 && value[0] === 0 && (value[1]! & 0x80) === 0) value = value.subarray(1)
    if (value[0]! & 0x80) value = Buffer.concat([Buffer.from([0]), value])
    return Buffer.concat([Buffer.from([0x02, value.length]), value])
  }
  const body = Buffer.concat([integer(raw.subarray(0, raw.length / 2)), integer(raw.subarray(raw.length / 2))])
  // P-521's SEQUENCE is longer than 127 bytes: DER's long form of the length.
  const length = body.length < 0x80 ? [body.length] : [0x81, body.length]
  return Buffer.concat([Buffer.from([0x30, ...length]), body])
}
