// `make binary`: dist/jwkd, one executable (Node's Single Executable Applications).
// 1. esbuild bundles the app (CommonJS, as SEA requires), the keygen and
//    snapshot-writer workers (loaded by piscina from disk) and piscina's own worker;
// 2. the worker files, better-sqlite3's addon and Swagger UI's files become
//    SEA assets, listed with their hashes in manifest.json;
// 3. node --experimental-sea-config makes the blob; postject injects it into
//    a copy of this node binary.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'dist', 'sea')
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

/** An esbuild plugin that replaces one exact piece of piscina's code, and fails the build if piscina changed. */
function patchPiscina (file, from, to) {
  return {
    name: `patch-piscina-${file}`,
    setup (esbuild) {
      esbuild.onLoad({ filter: new RegExp(`piscina[\\\\/]dist[\\\\/]${file.replace('.', '\\.')}$`) }, async args => {
        const source = readFileSync(args.path, 'utf8')
        const patched = source.replace(from, to)
        if (patched === source) throw new Error(`piscina changed: ${from} not found in ${file}`)
        return { contents: patched, loader: 'js' }
      })
    }
  }
}

// piscina starts its workers from `resolve(__dirname, 'worker.js')`; inside
// the executable that directory does not exist, so point it at the extracted copy.
const piscinaWorkerPath = patchPiscina('index.js', "(0, node_path_1.resolve)(__dirname, 'worker.js')", 'globalThis.__jwkdPiscinaWorker')

// piscina's worker lowers a thread's priority with the optional @napi-rs/nice
// addon, found by package name; the executable carries the addon as a file
// and says where through the environment (shared by every thread).
const niceAddonPath = patchPiscina('worker.js', "require('@napi-rs/nice')", 'require(process.env.JWKD_SEA_NICE_ADDON)')

const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' }
await build({
  ...common,
  entryPoints: [join(root, 'src/sea/main.ts')],
  outfile: join(out, 'jwkd.cjs'),
  format: 'cjs',
  plugins: [piscinaWorkerPath],
  // optional native helpers loaded in try/catch; pg's native binding is never used (its JavaScript client is)
  external: ['@napi-rs/nice', 'pg-native'],
  define: { 'import.meta.url': '"file:///jwkd-sea/src/sea/main.js"' }
})
await build({ ...common, entryPoints: [join(root, 'workers/keygen.ts')], outfile: join(out, 'keygen-worker.mjs'), format: 'esm' })
// CommonJS: it bundles better-sqlite3, whose require() calls an ESM bundle cannot make.
await build({ ...common, entryPoints: [join(root, 'workers/snapshot-writer.ts')], outfile: join(out, 'snapshot-writer.cjs'), format: 'cjs' })
await build({ ...common, entryPoints: [join(root, 'node_modules/piscina/dist/worker.js')], outfile: join(out, 'piscina-worker.cjs'), format: 'cjs', plugins: [niceAddonPath] })

/** The @napi-rs/nice addon npm installed for this platform (one of its optional packages). */
function niceAddon () {
  const dir = join(root, 'node_modules/@napi-rs')
  const found = readdirSync(dir).filter(name => name.startsWith('nice-')).flatMap(name =>
    readdirSync(join(dir, name)).filter(file => file.endsWith('.node')).map(file => join(dir, name, file)))
  if (found.length !== 1) throw new Error(`expected one @napi-rs/nice addon for this platform, found ${found.length}`)
  return found[0]
}

const assets = {
  'keygen-worker.mjs': join(out, 'keygen-worker.mjs'),
  'snapshot-writer.cjs': join(out, 'snapshot-writer.cjs'),
  'piscina-worker.cjs': join(out, 'piscina-worker.cjs'),
  'better_sqlite3.node': join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
  'nice.node': niceAddon()
}
const swaggerStatic = join(root, 'node_modules/@fastify/swagger-ui/static')
for (const file of readdirSync(swaggerStatic)) assets[`swagger/${file}`] = join(swaggerStatic, file)

const files = {}
const hash = createHash('sha256')
for (const [key, path] of Object.entries(assets)) {
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex')
  files[key] = { path: key, sha256 }
  hash.update(key).update(sha256)
}
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
const manifest = { build: `${version}-${hash.digest('hex').slice(0, 16)}`, files }
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest))

writeFileSync(join(out, 'sea-config.json'), JSON.stringify({
  main: join(out, 'jwkd.cjs'),
  output: join(out, 'jwkd.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: false,
  assets: { 'manifest.json': join(out, 'manifest.json'), ...assets }
}))
execFileSync(process.execPath, ['--experimental-sea-config', join(out, 'sea-config.json')], { stdio: 'inherit' })

const binary = join(root, 'dist', 'jwkd')
rmSync(binary, { force: true })
copyFileSync(process.execPath, binary)
chmodSync(binary, 0o755)
execFileSync(process.execPath, [join(root, 'node_modules/postject/dist/cli.js'), binary, 'NODE_SEA_BLOB', join(out, 'jwkd.blob'),
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'inherit' })
process.stdout.write(`built ${binary} (${manifest.build})\n`)
