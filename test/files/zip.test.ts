import t from 'tap'
import { crc32, zip } from '../../src/files/zip.js'
import { unzip } from '../helpers/unzip.js'

t.test('CRC-32 check value (ISO-HDLC): "123456789" → CBF43926', async t => {
  t.equal(crc32(Buffer.from('123456789')), 0xcbf43926)
  t.equal(crc32(Buffer.alloc(0)), 0)
})

t.test('archives Python\'s zipfile reads back exactly, CRCs checked', async t => {
  const entries = [
    { name: 'a-production.cer', data: Buffer.from([0x30, 0x82, 0x01, 0x00, 0xff]) },
    { name: 'ключ-staging.pem', data: Buffer.from('-----BEGIN PUBLIC KEY-----\n') },
    { name: 'empty.pem', data: Buffer.alloc(0) }
  ]
  const read = unzip(zip(entries, new Date('2026-12-02T20:15:42Z')))
  t.same(Object.keys(read), entries.map(entry => entry.name), 'UTF-8 names, in order')
  for (const entry of entries) t.ok(read[entry.name]!.equals(entry.data), `${entry.name}: the same bytes`)
  t.same(unzip(zip([], new Date(0))), {}, 'an empty archive is still an archive (and 1970 is clamped to 1980)')
})
