import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { once } from 'node:events'
import { join } from 'node:path'
import t from 'tap'
import { Sealer } from '../../src/crypto/sealer.js'
import { SqliteStore } from '../../src/store/sqlite-store.js'
import { pendingKeyPath, resolveMasterKey, sealCheck } from '../../src/services/vault.js'

/**
 * A server looks for `<key file>.new` on each master-key check while another
 * process (the CLI, another instance) creates it and renames it into place.
 * A `.new` that goes away between being seen and being read is a `.new`
 * that is not there, never an error: here a second process puts one in and
 * takes it away as fast as it can while this one resolves the key.
 */
t.test('a pending key file that vanishes while being looked at is no pending key', async t => {
  // Not t.testdir: tap removes that before later teardowns run, while the other process may still write in it.
  const dir = mkdtempSync(join(tmpdir(), 'jwkd-pending-'))
  const file = join(dir, 'kek')
  const keyText = randomBytes(32).toString('base64')
  writeFileSync(file, keyText + '\n', { mode: 0o600 })
  const check = sealCheck(new Sealer(Buffer.from(keyText, 'base64')))
  const store = SqliteStore.open(join(dir, 'data'))
  t.teardown(() => store.close())

  // The pending file appears whole (renamed in, as the CLI writes it) and goes again.
  // A plain node (no test loaders), ending by itself once orphaned, should the kill be missed.
  const flicker = spawn(process.execPath, ['-e', `
    const { renameSync, unlinkSync, writeFileSync, writeSync } = require('node:fs')
    const pending = ${JSON.stringify(pendingKeyPath(file))}
    writeSync(1, 'ready\\n')
    for (let n = 0; ; n++) {
      if (n % 1000 === 0 && process.ppid === 1) process.exit(0)
      writeFileSync(pending + '.tmp', ${JSON.stringify(randomBytes(32).toString('base64'))})
      renameSync(pending + '.tmp', pending)
      try { unlinkSync(pending) } catch {}
    }`], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH } })
  const exited = once(flicker, 'exit')
  t.teardown(async () => {
    flicker.kill('SIGKILL')
    await exited
    rmSync(dir, { recursive: true, force: true })
  })
  await new Promise(resolve => flicker.stdout.once('data', resolve))

  const failures = new Map<string, number>()
  const config = { dataDir: join(dir, 'data'), masterKey: undefined, masterKeyFile: file }
  for (let n = 0; n < 20_000; n++) {
    try {
      const { sealer } = await resolveMasterKey(store, config, check)
      if (sealer === undefined) failures.set('no sealer', (failures.get('no sealer') ?? 0) + 1)
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      failures.set(reason, (failures.get(reason) ?? 0) + 1)
    }
  }
  t.same(Object.fromEntries(failures), {}, 'the key the check opens, every time')
})
