import { createHash } from 'node:crypto'
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { getRawAsset } from 'node:sea'

/** What the build embedded: asset key → file name under the cache directory and its SHA-256. */
export interface Manifest {
  build: string
  files: Record<string, { path: string, sha256: string }>
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/**
 * A private, per-build cache directory: `$XDG_CACHE_HOME/jwkd/<build>` (or
 * `~/.cache`, or the temp directory when there is no home), mode 0700, and
 * owned by this user — a directory someone else could write to would let
 * them swap the native addon this process loads.
 */
function cacheDirectory (build: string): string {
  const home = process.env.HOME !== undefined && process.env.HOME !== '' ? homedir() : undefined
  const base = process.env.XDG_CACHE_HOME || (home === undefined ? join(tmpdir(), `jwkd-${process.getuid?.() ?? 'user'}`) : join(home, '.cache'))
  const dir = join(base, 'jwkd', build)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const stat = lstatSync(dir)
  if (!stat.isDirectory() || (process.getuid !== undefined && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0) {
    throw new Error(`refusing to use ${dir} for jwkd's runtime files: it must be a directory owned by this user with mode 0700`)
  }
  return dir
}

/** Writes every embedded file into the cache (once per build; rewritten if it was altered). */
export function extractAssets (): string {
  const manifest = JSON.parse(Buffer.from(getRawAsset('manifest.json') as ArrayBuffer).toString('utf8')) as Manifest
  const dir = cacheDirectory(manifest.build)
  for (const [key, { path, sha256: expected }] of Object.entries(manifest.files)) {
    const target = join(dir, path)
    if (existsSync(target) && sha256(readFileSync(target)) === expected) continue
    const data = Buffer.from(getRawAsset(key) as ArrayBuffer)
    if (sha256(data) !== expected) throw new Error(`embedded asset ${key} is corrupt`)
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
    const temp = `${target}.${process.pid}.tmp`
    writeFileSync(temp, data, { mode: 0o600 })
    chmodSync(temp, 0o600)
    renameSync(temp, target)
  }
  return dir
}
