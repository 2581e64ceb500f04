import type { Clock } from '../clock.js'
import type { Commits } from './group-commit.js'
import type { Repositories } from './repositories.js'

export type { Repositories } from './repositories.js'

/**
 * The database jwkd keeps its keys, tokens and audit trail in: the
 * repositories for reads, `commits` for every write. One interface, one
 * implementation per database (src/store/sqlite-store.ts).
 */
export interface Store extends Repositories {
  /** every timestamp the repositories write */
  readonly clock: Clock
  /** the way writes reach the disk: a write resolves once it is durable */
  readonly commits: Commits<Repositories>
  /** moves when someone else (another process) commits: what caches of the data follow */
  readonly version: { current: () => number }
  /** whether a write could be made right now (for /ready) */
  writable: () => Promise<boolean>
  /** whether `err` says the database cannot be reached or used right now (an outage, not a bug): a 503, not a 500 */
  isUnavailable: (err: unknown) => boolean
  /** after a delete: the removed rows' bytes leave whatever still holds them */
  purgeDeleted: () => Promise<void>
  close: () => Promise<void>
}
