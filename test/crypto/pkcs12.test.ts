import { execFileSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DerError } from '../../src/crypto/der.js'
import { MAX_BAGS, KeystoreError, readPkcs12 } from '../../src/crypto/pkcs12.js'

/** The PKCS#12 reader against files OpenSSL and Java wrote, and against files made to hurt it. */

const dir = t.testdir({})
const openssl = (...args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
const PASSWORD = 'correct horse battery staple'
const spkiOfPkcs8 = (pkcs8: Buffer): Buffer =>
  createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' })

const KINDS = [
  ['rsa', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  ['p256', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ['p384', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  ['p521', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ['ed25519', '-algorithm', 'Ed25519']
] as const
const WRITERS = [
  ['default', []],
  ['3des-sha1', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
  ['plain-certificates', ['-certpbe', 'NONE']]
] as const

for (const [kind, ...genpkey] of KINDS) {
  openssl('genpkey', ...genpkey, '-out', `${kind}.key`)
  openssl('req', '-x509', '-new', '-key', `${kind}.key`, '-subj', `/CN=${kind}`, '-days', '2', '-out', `${kind}.crt`)
  const spki = openssl('pkey', '-in', `${kind}.key`, '-pubout', '-outform', 'DER')
  const certificate = new X509Certificate(readFileSync(join(dir, `${kind}.crt`)))
  for (const [writer, options] of WRITERS) {
    t.test(`${kind}, written by OpenSSL (${writer})`, async t => {
      openssl('pkcs12', '-export', '-inkey', `${kind}.key`, '-in', `${kind}.crt`, '-name', `${kind}-signer`, '-passout', `pass:${PASSWORD}`, ...options, '-out', `${kind}-${writer}.p12`)
      const file = readFileSync(join(dir, `${kind}-${writer}.p12`))
      const entries = readPkcs12(file, PASSWORD)
      t.equal(entries.length, 1)
      const [entry] = entries
      t.equal(entry!.alias, `${kind}-signer`, 'the friendlyName is the alias')
      t.same(spkiOfPkcs8(entry!.pkcs8!), spki, 'the private key is the one OpenSSL put in')
      t.equal(entry!.certificates.length, 1)
      t.ok(new X509Certificate(entry!.certificates[0]!).raw.equals(certificate.raw), 'and its certificate')
      t.throws(() => readPkcs12(file, `${PASSWORD}!`), new KeystoreError('The keystore password is wrong, or the file is damaged'))
    })
  }
}

t.test('a chain: the key\'s certificate with it, the CA\'s as an entry of its own', async t => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-subj', '/CN=ca', '-days', '2', '-out', 'ca.crt')
  openssl('req', '-new', '-key', 'p256.key', '-subj', '/CN=leaf', '-out', 'leaf.csr')
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'leaf.crt')
  openssl('pkcs12', '-export', '-inkey', 'p256.key', '-in', 'leaf.crt', '-certfile', 'ca.crt', '-name', 'leaf', '-passout', `pass:${PASSWORD}`, '-out', 'chain.p12')
  const entries = readPkcs12(readFileSync(join(dir, 'chain.p12')), PASSWORD)
  t.same(entries.map(entry => [entry.alias, entry.pkcs8 !== undefined, entry.certificates.map(der => new X509Certificate(der).subject)]), [
    ['leaf', true, ['CN=leaf']],
    ['2', false, ['CN=ca']]
  ])
})

t.test('a file Java\'s keytool wrote (PBES2 AES-256, HMAC-SHA-256 MAC, 10 000 rounds)', async t => {
  const path = join(import.meta.dirname, '..', 'fixtures', 'keystores', 'java-ec.p12')
  const [entry, ...rest] = readPkcs12(readFileSync(path), 'changeit')
  t.equal(rest.length, 0)
  t.equal(entry!.alias, 'java-signer')
  const fromOpenssl = execFileSync('openssl', ['pkcs12', '-in', path, '-passin', 'pass:changeit', '-nocerts', '-nodes'])
  t.same(spkiOfPkcs8(entry!.pkcs8!), createPublicKey(fromOpenssl).export({ type: 'spki', format: 'der' }), 'the key OpenSSL reads from it')
  t.equal(new X509Certificate(entry!.certificates[0]!).subject, 'CN=java-signer')
})

t.test('RC2 (openssl pkcs12 -legacy) is refused with the way out', async t => {
  let legacy: Buffer
  try {
    openssl('pkcs12', '-export', '-legacy', '-inkey', 'rsa.key', '-in', 'rsa.crt', '-passout', `pass:${PASSWORD}`, '-out', 'legacy.p12')
    legacy = readFileSync(join(dir, 'legacy.p12'))
  } catch {
    t.comment('this OpenSSL has no legacy provider: RC2 files cannot be made here, and the refusal is proven by the hand-made one below')
    legacy = pfx({ encryptedWith: '1.2.840.113549.1.12.1.6' })
  }
  t.throws(() => readPkcs12(legacy, PASSWORD), { name: 'KeystoreError', message: /jwkd does not open .*re-export it with `openssl pkcs12 -export`/ })
})

// A tiny DER writer for the hostile files below.
const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts)
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, body])
}
const oid = (dotted: string): Buffer => {
  const [first, second, ...rest] = dotted.split('.').map(Number)
  const bytes = [first! * 40 + second!]
  for (const arc of rest) {
    const chunk = [arc & 0x7f]
    for (let value = arc >> 7; value > 0; value >>= 7) chunk.unshift((value & 0x7f) | 0x80)
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}
const integer = (value: number): Buffer => {
  const bytes: number[] = []
  for (let rest = value; rest > 0 || bytes.length === 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return tlv(0x02, Buffer.from(bytes))
}
const seq = (...parts: Buffer[]): Buffer => tlv(0x30, ...parts)
const octet = (value: Buffer): Buffer => tlv(0x04, value)
const DATA = '1.2.840.113549.1.7.1'

/** A PFX whose MAC is as given, holding one encrypted safe or none. */
function pfx (options: { macIterations?: number, mac?: boolean, encryptedWith?: string, bags?: number }): Buffer {
  const safes: Buffer[] = []
  if (options.encryptedWith !== undefined) {
    const algorithm = seq(oid(options.encryptedWith), seq(octet(Buffer.alloc(8)), integer(2048)))
    safes.push(seq(oid('1.2.840.113549.1.7.6'), tlv(0xa0, seq(integer(0), seq(oid(DATA), algorithm, tlv(0x80, Buffer.alloc(16)))))))
  }
  if (options.bags !== undefined) {
    const bag = seq(oid('1.2.840.113549.1.12.10.1.5'), tlv(0xa0, seq(oid('1.2.3'), tlv(0xa0, octet(Buffer.alloc(0))))))
    safes.push(seq(oid(DATA), tlv(0xa0, octet(seq(...Array.from({ length: options.bags }, () => bag))))))
  }
  const content = seq(...safes)
  const parts = [integer(3), seq(oid(DATA), tlv(0xa0, octet(content)))]
  if (options.mac !== false) {
    parts.push(seq(seq(seq(oid('2.16.840.1.101.3.4.2.1'), tlv(0x05)), octet(Buffer.alloc(32))), octet(Buffer.alloc(8)), integer(options.macIterations ?? 1)))
  }
  return seq(...parts)
}

t.test('hostile files are refused before any work', async t => {
  t.throws(() => readPkcs12(pfx({ macIterations: 8_388_607 }), PASSWORD), new KeystoreError('The keystore asks for 8388607 key-derivation rounds; at most 1000000 are accepted'), 'an iteration bomb in the MAC')
  t.throws(() => readPkcs12(pfx({ mac: false }), PASSWORD), { name: 'KeystoreError', message: /no integrity MAC/ })
  t.throws(() => readPkcs12(pfx({}), PASSWORD), new KeystoreError('The keystore password is wrong, or the file is damaged'), 'a MAC that does not match')
  const real = readFileSync(join(dir, 'rsa-default.p12'))
  for (const cut of [1, 2, 10, Math.floor(real.length / 2), real.length - 1]) {
    t.throws(() => readPkcs12(real.subarray(0, cut), PASSWORD), DerError, `truncated to ${cut} bytes`)
  }
  t.throws(() => readPkcs12(Buffer.concat([real, Buffer.from([0])]), PASSWORD), DerError, 'trailing bytes')
  t.throws(() => readPkcs12(Buffer.from('not a keystore'), PASSWORD), DerError)
})

t.test('a file of more entries than a keystore holds is refused', async t => {
  const certificate = readFileSync(join(dir, 'rsa.crt'), 'utf8')
  writeFileSync(join(dir, 'many.crt'), certificate.repeat(MAX_BAGS))
  openssl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.crt', '-certfile', 'many.crt', '-passout', `pass:${PASSWORD}`, '-out', 'many.p12')
  t.throws(() => readPkcs12(readFileSync(join(dir, 'many.p12')), PASSWORD), new KeystoreError(`The keystore holds more than ${MAX_BAGS} entries`))
})
