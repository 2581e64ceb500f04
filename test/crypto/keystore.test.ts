import { createPublicKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { KeygenPool } from '../../src/pool/keygen-pool.js'

/** Keystores opened and vetted in the heavy lane's worker thread, as the service will ask for them. */

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'keystores')
const base64 = (name: string): string => readFileSync(join(fixtures, name)).toString('base64')
const pool = new KeygenPool({ size: 1, maxQueue: 8 })
t.teardown(() => pool.close())

t.test('a JKS and a PKCS#12 file: every alias with its type, public key and certificates', async t => {
  const jks = await pool.readKeystore({ type: 'JKS', file: base64('java.jks'), password: 'changeit' })
  if (!jks.ok) throw new Error(jks.reason)
  t.same(jks.entries.map(entry => [entry.alias, entry.keyType, entry.pkcs8 !== undefined, entry.certificates.length]).sort(), [
    ['java-p384', 'EC', true, 1],
    ['java-rsa', 'RSA', true, 1],
    ['trusted-ca', 'RSA', false, 1]
  ])
  for (const entry of jks.entries) {
    const certificate = new X509Certificate(Buffer.from(entry.certificates[0]!, 'base64'))
    t.equal(entry.spki, certificate.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), `${entry.alias}: the public key is the certificate's`)
  }
  const p12 = await pool.readKeystore({ type: 'PKCS12', file: base64('java-ec.p12'), password: 'changeit' })
  if (!p12.ok) throw new Error(p12.reason)
  t.equal(p12.entries.length, 1)
  t.equal(createPublicKey({ key: Buffer.from(p12.entries[0]!.spki, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'prime256v1')
  const keypass = await pool.readKeystore({ type: 'JKS', file: base64('java-keypass.jks'), password: 'changeit', keyPassword: 'key-secret' })
  t.equal(keypass.ok && keypass.entries[0]!.alias, 'own-password', 'a JKS key with its own password')
})

t.test('refusals are reasons for the client, never a thrown error', async t => {
  const reason = async (input: Parameters<KeygenPool['readKeystore']>[0]): Promise<string> => {
    const result = await pool.readKeystore(input)
    return result.ok ? 'opened' : result.reason
  }
  t.equal(await reason({ type: 'JKS', file: base64('java.jks'), password: 'wrong' }), 'The keystore password is wrong, or the file is damaged')
  t.equal(await reason({ type: 'PKCS12', file: base64('java-ec.p12'), password: 'wrong' }), 'The keystore password is wrong, or the file is damaged')
  t.equal(await reason({ type: 'JKS', file: base64('java-keypass.jks'), password: 'changeit' }), 'The key password is wrong, or the keystore is damaged')
  t.equal(await reason({ type: 'PKCS12', file: base64('java-ec.p12'), password: 'changeit', keyPassword: 'x' }), 'keyPassword is only used with JKS keystores: a PKCS#12 file has one password')
  t.equal(await reason({ type: 'PKCS12', file: base64('java.jks'), password: 'changeit' }), 'The file is not a readable PKCS#12 keystore', 'a JKS sent as PKCS12')
  t.equal(await reason({ type: 'JKS', file: base64('java-ec.p12'), password: 'changeit' }), 'The keystore is not a JKS file', 'a PKCS#12 sent as JKS')
  t.equal(await reason({ type: 'PKCS12', file: 'not base64!', password: 'changeit' }), 'file must be the keystore as base64')
  t.equal(await reason({ type: 'PKCS12', file: base64('README.md'), password: 'changeit' }), 'The file is not a readable PKCS#12 keystore')
})
