import { execFileSync } from 'node:child_process'
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DerError } from '../../src/crypto/der.js'
import { readJks } from '../../src/crypto/jks.js'
import { MAX_BAGS, KeystoreError } from '../../src/crypto/pkcs12.js'

/** The JKS reader against files Java's keytool wrote (test/fixtures/keystores/README.md): CI has no Java to make them. */

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'keystores')
const jks = readFileSync(join(fixtures, 'java.jks'))
const spkiOfPkcs8 = (pkcs8: Buffer): Buffer =>
  createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' })
const spkiOf = (key: string | Buffer): Buffer => createPublicKey(key).export({ type: 'spki', format: 'der' })

t.test('keys with their certificates, and a trusted certificate, as keytool stored them', async t => {
  const entries = readJks(jks, 'changeit')
  t.same(entries.map(entry => [entry.alias, entry.pkcs8 !== undefined, entry.certificates.map(der => new X509Certificate(der).subject)]).sort(), [
    ['java-p384', true, ['CN=java-p384']],
    ['java-rsa', true, ['CN=java-rsa']],
    ['trusted-ca', false, ['CN=java-rsa']]
  ])
  for (const entry of entries.filter(one => one.pkcs8 !== undefined)) {
    t.same(spkiOfPkcs8(entry.pkcs8!), spkiOf(new X509Certificate(entry.certificates[0]!).publicKey.export({ type: 'spki', format: 'pem' })), `${entry.alias}: the key is its certificate's`)
    // keytool converted the same store to PKCS#12; OpenSSL reads the key from that file.
    const fromOpenssl = execFileSync('openssl', ['pkcs12', '-in', join(fixtures, 'java-from-jks.p12'), '-passin', 'pass:changeit', '-nocerts', '-nodes'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
    const keys = [...fromOpenssl.matchAll(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----/g)].map(match => spkiOf(match[0]))
    t.ok(keys.some(key => key.equals(spkiOfPkcs8(entry.pkcs8!))), `${entry.alias}: the key OpenSSL reads from keytool's PKCS#12 copy`)
  }
})

t.test('passwords: the store\'s checks the file, a key\'s own opens the key', async t => {
  t.throws(() => readJks(jks, 'changeit!'), new KeystoreError('The keystore password is wrong, or the file is damaged'))
  const keypass = readFileSync(join(fixtures, 'java-keypass.jks'))
  t.throws(() => readJks(keypass, 'changeit'), new KeystoreError('The key password is wrong, or the keystore is damaged'), 'the store password does not open a key with its own')
  const [entry] = readJks(keypass, 'changeit', 'key-secret')
  t.equal(entry!.alias, 'own-password')
  t.same(spkiOfPkcs8(entry!.pkcs8!), spkiOf(new X509Certificate(entry!.certificates[0]!).publicKey.export({ type: 'spki', format: 'pem' })))
})

t.test('damaged and foreign files are refused', async t => {
  for (const cut of [0, 4, 11, 40, Math.floor(jks.length / 2), jks.length - 1]) {
    t.throws(() => readJks(jks.subarray(0, cut), 'changeit'), { name: /KeystoreError|DerError/ }, `truncated to ${cut} bytes`)
  }
  const flipped = Buffer.from(jks)
  flipped[100] = flipped[100]! ^ 1
  t.throws(() => readJks(flipped, 'changeit'), new KeystoreError('The keystore password is wrong, or the file is damaged'), 'one bit changed')
  t.throws(() => readJks(readFileSync(join(fixtures, 'java-ec.p12')), 'changeit'), new KeystoreError('The keystore is not a JKS file'))
  const jceks = Buffer.from(jks)
  jceks.writeUInt32BE(0xcececece, 0)
  t.throws(() => readJks(jceks, 'changeit'), { name: 'KeystoreError', message: /JCEKS/ })
  t.throws(() => readJks(Buffer.alloc(8), 'changeit'), DerError)
})

/** A JKS body sealed with a valid digest, as a hostile client who knows its own password would send. */
function sealed (body: Buffer, password: string): Buffer {
  const utf16be = Buffer.from(password, 'utf16le').swap16()
  return Buffer.concat([body, createHash('sha1').update(utf16be).update('Mighty Aphrodite').update(body).digest()])
}
const header = (count: number): Buffer => {
  const bytes = Buffer.alloc(12)
  bytes.writeUInt32BE(0xfeedfeed, 0)
  bytes.writeInt32BE(2, 4)
  bytes.writeInt32BE(count, 8)
  return bytes
}

t.test('a hostile file with a valid digest: counts and lengths beyond the file are refused', async t => {
  t.throws(() => readJks(sealed(header(2_147_483_647), 'x'), 'x'), new KeystoreError(`The keystore holds more than ${MAX_BAGS} entries`))
  const entry = Buffer.alloc(4 + 2 + 1 + 8 + 4)
  entry.writeInt32BE(1, 0)
  entry.writeUInt16BE(1, 4)
  entry.write('a', 6)
  entry.writeInt32BE(2_000_000_000, 15)
  t.throws(() => readJks(sealed(Buffer.concat([header(1), entry]), 'x'), 'x'), DerError, 'a key length past the end')
  t.throws(() => readJks(sealed(Buffer.concat([header(0), Buffer.alloc(3)]), 'x'), 'x'), DerError, 'bytes after the last entry')
  t.same(readJks(sealed(header(0), 'x'), 'x'), [], 'an empty store is read as empty')
})
