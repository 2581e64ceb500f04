import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

export const TEMP_MARKER = '.tmp-'

/** Makes a directory entry change (create, rename, unlink) durable. */
export async function fsyncDirectory (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Writes a file so that readers and crashes see the old content or the new,
 * never a mix: temp file in the same directory, fsync, rename, fsync the
 * directory. When this resolves, the new content is on disk.
 */
export async function writeFileAtomic (path: string, data: string): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = join(dir, `${basename(path)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    await handle.writeFile(data, 'utf8')
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(temp, { force: true })
    throw err
  }
  await handle.close()
  await rename(temp, path)
  await fsyncDirectory(dir)
}

/** Removes a file durably; a file already gone is fine. */
export async function removeFileDurably (path: string): Promise<void> {
  await rm(path, { force: true })
  await fsyncDirectory(dirname(path)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err
  })
}
