import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'

/**
 * A person's view of /documentation: headless Chromium renders Swagger UI
 * from a running server; the generate route must be on the page, and the
 * screenshot is kept in test-output/ to look at.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const OUTPUT = join(process.cwd(), 'test-output')
const run = promisify(execFile)

t.test('Swagger UI renders the generate route', async t => {
  t.ok(existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (make test installs Debian's chromium when it is missing)`)
  const { app } = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/documentation/`
  const profile = mkdtempSync(join(tmpdir(), 'jwkd-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--virtual-time-budget=20000', '--window-size=1280,1800'
  ]
  const { stdout: dom } = await run(CHROMIUM, [...flags, '--dump-dom', url], { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 })
  t.match(dom, /\/apiops\/projects\/\{projectName\}\/jwks\/generate/, 'the generate path is rendered')
  t.match(dom, /Generate JWK/, 'with its summary')
  t.match(dom, /\/environments\/\{environment\}\/projects\/\{projectName\}\/jwks\.json/, 'the public JWKS too')

  mkdirSync(OUTPUT, { recursive: true })
  const screenshot = join(OUTPUT, 'documentation.png')
  rmSync(screenshot, { force: true })
  await run(CHROMIUM, [...flags, `--screenshot=${screenshot}`, url], { timeout: 90_000 })
  const png = readFileSync(screenshot)
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG')
  t.ok(png.length > 20_000, `a real picture (${png.length} bytes)`)
})
