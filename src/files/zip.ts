/**
 * A ZIP archive of a few small files, stored (not compressed): what the
 * certificate and key exports hand out. PKWARE APPNOTE 6.3.10, §4.3; names
 * are UTF-8 (general purpose bit 11).
 */
export interface ZipEntry {
  name: string
  data: Buffer
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

export function crc32 (data: Buffer): number {
  let crc = 0xffffffff
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** MS-DOS date and time, local fields taken as UTC; 1980 is the format's first year. */
function dosDateTime (at: Date): { time: number, date: number } {
  const year = Math.max(1980, at.getUTCFullYear())
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate()
  }
}

const UTF8_NAMES = 0x0800
const VERSION = 20

export function zip (entries: readonly ZipEntry[], modified: Date): Buffer {
  const { time, date } = dosDateTime(modified)
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8')
    const crc = crc32(entry.data)
    // The local header and the central directory share these fields, in the same order.
    const fields = (header: Buffer, at: number): void => {
      header.writeUInt16LE(VERSION, at)
      header.writeUInt16LE(UTF8_NAMES, at + 2)
      header.writeUInt16LE(0, at + 4) // stored
      header.writeUInt16LE(time, at + 6)
      header.writeUInt16LE(date, at + 8)
      header.writeUInt32LE(crc, at + 10)
      header.writeUInt32LE(entry.data.length, at + 14)
      header.writeUInt32LE(entry.data.length, at + 18)
      header.writeUInt16LE(name.length, at + 22)
    }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    fields(local, 4)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(VERSION, 4) // made by
    fields(central, 6)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, entry.data)
    centrals.push(central, name)
    offset += local.length + name.length + entry.data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}
