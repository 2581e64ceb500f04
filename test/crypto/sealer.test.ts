import { randomBytes } from 'node:crypto'
import t from 'tap'
import { Sealer, UnsealError } from '../../src/crypto/sealer.js'

const sealer = new Sealer(randomBytes(32))

t.test('seal and open round-trip with fresh nonces', async t => {
  const a = sealer.seal('secret', 'record-1')
  const b = sealer.seal('secret', 'record-1')
  t.not(a, b, 'two seals of one text differ')
  t.equal(sealer.open(a, 'record-1').toString(), 'secret')
  t.notOk(a.includes(Buffer.from('secret').toString('base64url')))
})

t.test('wrong additional data, key, or a flipped bit fail', async t => {
  const blob = sealer.seal('secret', 'record-1')
  t.throws(() => sealer.open(blob, 'record-2'), UnsealError)
  t.throws(() => new Sealer(randomBytes(32)).open(blob, 'record-1'), UnsealError)
  const raw = Buffer.from(blob.slice(3), 'base64url')
  raw[raw.length - 20]! ^= 1
  t.throws(() => sealer.open('v1.' + raw.toString('base64url'), 'record-1'), UnsealError)
  t.throws(() => sealer.open('v2.' + blob.slice(3), 'record-1'), UnsealError)
  t.throws(() => sealer.open('v1.AAAA', 'record-1'), UnsealError)
  t.throws(() => new Sealer(randomBytes(16)), RangeError)
})
