import { randomBytes } from 'node:crypto'
import { close, fsync, open, writeFile } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { promisify } from 'node:util'

// Plain descriptors, not fs/promises FileHandles: on the hot path of every
// deploy, FileHandle objects cost measurably more main-thread time.
const openFd = promisify(open)
const writeFd = promisify(writeFile)
const fsyncFd = promisify(fsync)
const closeFd = promisify(close)

export const TEMP_MARKER = '.tmp-'

async function syncOnce (dir: string): Promise<void> {
  const fd = await openFd(dir, 'r')
  try {
    await fsyncFd(fd)
  } finally {
    await closeFd(fd)
  }
}

interface DirectorySync {
  current: Promise<void>
  queued: Promise<void> | undefined
}

const directorySyncs = new Map<string, DirectorySync>()

function startSync (dir: string): Promise<void> {
  const current: Promise<void> = syncOnce(dir).finally(() => {
    const state = directorySyncs.get(dir)
    if (state?.current === current && state.queued === undefined) directorySyncs.delete(dir)
  })
  const state = directorySyncs.get(dir)
  if (state === undefined) directorySyncs.set(dir, { current, queued: undefined })
  else state.current = current
  return current
}

/**
 * Makes a directory entry change (create, rename, unlink) durable. Callers
 * share fsyncs: a caller needs one that starts after its change, so while
 * one runs, every newcomer waits for the single next one.
 */
export async function fsyncDirectory (dir: string): Promise<void> {
  const state = directorySyncs.get(dir)
  if (state === undefined) return await startSync(dir)
  state.queued ??= state.current.catch(() => {}).then(async () => {
    state.queued = undefined
    return await startSync(dir)
  })
  return await state.queued
}

/** mkdir -p, then fsync the parent of every directory it created, so the new entries survive a crash. */
async function makeDirectoryDurably (dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  for (let created = dir; ; created = dirname(created)) {
    await fsyncDirectory(dirname(created))
    if (created === first) break
  }
}

/**
 * Writes a file so that readers and crashes see the old content or the new,
 * never a mix: temp file in the same directory, fsync, rename, fsync the
 * directory. When this resolves, the new content is on disk.
 */
export async function writeFileAtomic (path: string, data: string): Promise<void> {
  const dir = dirname(path)
  const temp = join(dir, `${basename(path)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`)
  let fd: number
  try {
    fd = await openFd(temp, 'wx', 0o600)
  } catch (err) {
    // The directory is made on first use only: one syscall saved on every later write.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await makeDirectoryDurably(dir)
    fd = await openFd(temp, 'wx', 0o600)
  }
  try {
    await writeFd(fd, data, 'utf8')
    await fsyncFd(fd)
  } catch (err) {
    await closeFd(fd)
    await rm(temp, { force: true })
    throw err
  }
  await closeFd(fd)
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
