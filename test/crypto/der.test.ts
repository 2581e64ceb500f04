import { execFileSync } from 'node:child_process'
import t from 'tap'
import { children, DerError, readOid, readTlv, readUnsigned, TAG } from '../../src/crypto/der.js'

/** The DER reader that looks at an encrypted key before anything decrypts it, checked against what OpenSSL writes and reads. */
t.test('an encrypted PKCS#8 that OpenSSL wrote reads as PBES2 / PBKDF2 with its round count', async t => {
  const key = execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'])
  const der = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-iter', '300000', '-outform', 'DER', '-passout', 'pass:x'], { input: key })
  const [algorithm, data] = children(readTlv(der).value)
  t.equal(data!.tag, TAG.OCTET_STRING)
  const [scheme, parameters] = children(algorithm!.value)
  t.equal(readOid(scheme!), '1.2.840.113549.1.5.13')
  const [kdf] = children(parameters!.value)
  const [kdfOid, kdfParameters] = children(kdf!.value)
  t.equal(readOid(kdfOid!), '1.2.840.113549.1.5.12')
  t.equal(readUnsigned(children(kdfParameters!.value)[1]!), 300000)
  t.equal(readTlv(der).end, der.length, 'the long-form length spans the whole file')
})

t.test('OIDs of every arc size, as OpenSSL encodes them', async t => {
  for (const oid of ['1.3.6.1.4.1.11591.4.11', '2.999.3', '1.2.840.10045.3.1.7', '0.9.2342.19200300.100.1.1']) {
    const der = execFileSync('openssl', ['asn1parse', '-genstr', `OID:${oid}`, '-noout', '-out', '-'])
    t.equal(readOid(readTlv(der)), oid)
  }
})

t.test('integers: exact up to 2^53, Infinity beyond, negative and empty refused', async t => {
  t.equal(readUnsigned(readTlv(Buffer.from([0x02, 0x03, 0x00, 0xff, 0xff]))), 65535)
  t.equal(readUnsigned(readTlv(Buffer.from([0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))), Infinity)
  t.throws(() => readUnsigned(readTlv(Buffer.from([0x02, 0x01, 0x80]))), DerError)
  t.throws(() => readUnsigned(readTlv(Buffer.from([0x02, 0x00]))), DerError)
  t.throws(() => readUnsigned(readTlv(Buffer.from([0x04, 0x01, 0x01]))), DerError, 'not an INTEGER')
})

t.test('truncated and oversized lengths are DerErrors, never reads past the end', async t => {
  t.throws(() => readTlv(Buffer.from([0x30])), DerError)
  t.throws(() => readTlv(Buffer.from([0x30, 0x05, 0x00])), DerError)
  t.throws(() => readTlv(Buffer.from([0x30, 0x85, 0, 0, 0, 0, 1])), DerError, 'five length bytes')
  t.throws(() => readTlv(Buffer.from([0x30, 0x80])), DerError, 'indefinite length is not DER')
  t.throws(() => children(Buffer.from([0x02, 0x01, 0x01, 0x02])), DerError)
})
