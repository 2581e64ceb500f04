import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** fsync a file or a directory by path (a directory's fsync makes its entry changes durable). */
export function fsyncPath (path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** mkdir -p, then fsync the parent of every directory it created, so the new entries survive a crash. */
export function makeDirectoryDurably (dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  for (let created = dir; ; created = dirname(created)) {
    fsyncPath(dirname(created))
    if (created === first) break
  }
}

/**
 * Writes a file so that readers and crashes see the old content or the new,
 * never a mix: owner-only temp file in the same directory, fsync, rename,
 * fsync the directory. When this returns, the new content is on disk.
 */
export function writeFileDurably (path: string, data: string): void {
  const temp = join(dirname(path), `${tempPrefix(path)}${randomBytes(6).toString('hex')}`)
  const fd = openSync(temp, 'wx', 0o600)
  try {
    writeSync(fd, data)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(temp, { force: true })
    throw err
  }
  closeSync(fd)
  renameSync(temp, path)
  fsyncPath(dirname(path))
}

const tempPrefix = (path: string): string => `${basename(path)}.tmp-`

/**
 * Removes what writeFileDurably left of `path` when its process was killed
 * between creating the temp file and renaming it: a file nobody will
 * rename, which may hold key material.
 */
export function removeAbandonedTemps (path: string): void {
  const prefix = tempPrefix(path)
  for (const entry of readdirSync(dirname(path))) {
    if (entry.startsWith(prefix)) rmSync(join(dirname(path), entry), { force: true })
  }
}
