import { execFileSync } from 'node:child_process'

// Python's zipfile is the independent reader: it checks every entry's CRC (testzip) and the central directory.
const READER = `
import base64, io, json, sys, zipfile
archive = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))
assert archive.testzip() is None, 'a CRC does not match'
print(json.dumps({entry.filename: base64.b64encode(archive.read(entry)).decode() for entry in archive.infolist()}))
`

/** The entries of a ZIP archive, as Python's zipfile reads them. */
export function unzip (archive: Buffer): Record<string, Buffer> {
  const entries = JSON.parse(execFileSync('python3', ['-c', READER], { input: archive }).toString()) as Record<string, string>
  return Object.fromEntries(Object.entries(entries).map(([name, data]) => [name, Buffer.from(data, 'base64')]))
}
