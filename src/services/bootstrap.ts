import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ALL_PROJECTS, ALL_ROLES } from '../auth/roles.js'
import { issueToken } from '../auth/tokens.js'
import type { Store } from '../store/store.js'

const BOOTSTRAPPED = 'bootstrapped_at'
export const DEFAULT_ENVIRONMENT = 'production'
export const ADMIN_TOKEN_NAME = 'admin'

export const adminTokenPath = (dataDir: string): string => join(dataDir, 'admin-token')

/**
 * First start on an empty data directory: the `production` environment
 * (unless it is there already) and an admin token (all roles, all projects)
 * in `<data>/admin-token`, mode 0600.
 * @returns the token file's path when this call bootstrapped, else undefined
 */
export function bootstrap (store: Store, dataDir: string): string | undefined {
  const run = store.db.transaction((): string | undefined => {
    if (store.meta.get(BOOTSTRAPPED) !== undefined) return undefined
    // An operator may have made it with the CLI before the server's first start.
    if (store.environments.findByName(DEFAULT_ENVIRONMENT) === undefined) store.environments.create(DEFAULT_ENVIRONMENT, 'Created on first start')
    const { token } = issueToken(store, { name: ADMIN_TOKEN_NAME, roles: [...ALL_ROLES], projects: [ALL_PROJECTS], expiresAt: null })
    const path = adminTokenPath(dataDir)
    // Written inside the transaction: if this fails, nothing is recorded and the next start tries again.
    writeFileSync(path, token + '\n', { mode: 0o600 })
    store.meta.set(BOOTSTRAPPED, new Date().toISOString())
    return path
  })
  return run.immediate()
}
