import { closeSync, constants, fsyncSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ALL_PROJECTS, ALL_ROLES } from '../auth/roles.js'
import { issueToken } from '../auth/tokens.js'
import type { Store } from '../store/store.js'

const BOOTSTRAPPED = 'bootstrapped_at'
export const DEFAULT_ENVIRONMENT = 'production'
export const ADMIN_TOKEN_NAME = 'admin'

export const adminTokenPath = (dataDir: string): string => join(dataDir, 'admin-token')

/**
 * A new owner-only file: whatever was at the path (a file left by a failed
 * start with a wider mode, a link planted to redirect the write) is removed,
 * not written through; O_EXCL|O_NOFOLLOW refuse anything that reappears.
 */
function writeSecretFile (path: string, text: string): void {
  rmSync(path, { force: true })
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * First start on an empty data directory: the `production` environment
 * (unless it is there already) and an admin token (all roles, all projects)
 * in `<data>/admin-token`, mode 0600.
 * @returns the token file's path when this call bootstrapped, else undefined
 */
export async function bootstrap (store: Store, dataDir: string): Promise<string | undefined> {
  return await store.commits.run(async (tx): Promise<string | undefined> => {
    if (await tx.meta.get(BOOTSTRAPPED) !== undefined) return undefined
    // An operator may have made it with the CLI before the server's first start.
    if (await tx.environments.findByName(DEFAULT_ENVIRONMENT) === undefined) await tx.environments.create(DEFAULT_ENVIRONMENT, 'Created on first start')
    const { token } = await issueToken(tx, { name: ADMIN_TOKEN_NAME, roles: [...ALL_ROLES], projects: [ALL_PROJECTS], expiresAt: null })
    const path = adminTokenPath(dataDir)
    // Written inside the transaction: if this fails, nothing is recorded and the next start tries again.
    writeSecretFile(path, token + '\n')
    await tx.meta.set(BOOTSTRAPPED, store.clock().toISOString())
    return path
  })
}
