import { spawnSync } from 'node:child_process'
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { cleanEnv } from '../../harness/processes.js'
import { generateKeyMembers } from '../../src/crypto/generate-jwk.js'
import type { Jwk } from '../../src/crypto/jwk.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

t.test('generated members are a working private key', async t => {
  for (const spec of [{ kty: 'EC', crv: 'P-256' }, { kty: 'OKP', crv: 'Ed25519' }] as const) {
    const jwk = generateKeyMembers(spec) as Jwk & { d: string }
    t.type(jwk.d, 'string', `${spec.crv}: the private member is there`)
    const privateKey = createPrivateKey({ key: jwk, format: 'jwk' })
    const { d: _d, ...publicMembers } = jwk
    const signature = sign(spec.kty === 'EC' ? 'sha256' : null, Buffer.from('jwkd'), privateKey)
    t.ok(verify(spec.kty === 'EC' ? 'sha256' : null, Buffer.from('jwkd'), createPublicKey({ key: publicMembers, format: 'jwk' }), signature),
      `${spec.crv}: its public members verify its signature`)
  }
})

/** Runs `script` in a child with a one-megabyte young generation: it must print `done`, not hang until killed. */
function finishesUnderConstantGc (t: Test, script: string, timeout: number): void {
  const child = spawnSync(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL'
  })
  t.equal(child.signal, null, 'not killed by the timeout (a hang)')
  t.equal(child.status, 0, child.stderr)
  t.equal(child.stdout, 'done')
}

// Node 20 deadlocks a thread that exports a freshly generated KeyObject when
// a GC during the export finalizes the generation job (see generate-jwk.ts).
// A one-megabyte young generation makes such a GC likely: the KeyObject
// export hung within 20 000 EC keys in every try; this must simply finish.
t.test('tens of thousands of keys under constant GC never hang the thread', async t => {
  const script = `
    import { generateKeyMembers } from './src/crypto/generate-jwk.ts'
    for (let i = 0; i < 20000; i++) generateKeyMembers({ kty: 'EC', crv: 'P-256' })
    for (let i = 0; i < 20000; i++) generateKeyMembers({ kty: 'OKP', crv: 'Ed25519' })
    process.stdout.write('done')
  `
  finishesUnderConstantGc(t, script, 60_000)
})

t.test('the light lane\'s asynchronous generation, 50 in flight under constant GC, never hangs either', async t => {
  const script = `
    import { generateKeyMembersAsync } from './src/crypto/generate-jwk.ts'
    for (const spec of [{ kty: 'EC', crv: 'P-256' }, { kty: 'OKP', crv: 'Ed25519' }]) {
      for (let round = 0; round < 400; round++) await Promise.all(Array.from({ length: 50 }, () => generateKeyMembersAsync(spec)))
    }
    process.stdout.write('done')
  `
  finishesUnderConstantGc(t, script, 120_000)
})
