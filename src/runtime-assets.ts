import type { SqliteBinding } from './store/database.js'
import type { WorkerFiles } from './worker-files.js'

/**
 * The files jwkd loads at run time but does not compile in. Run from source
 * or dist/, every one is found in its usual place (node_modules, workers/
 * beside src/) and this is empty; the single executable extracts its
 * embedded copies and passes where they are, down from its entry point.
 */
export interface RuntimeAssets {
  sqlite?: SqliteBinding
  workers?: WorkerFiles
  /** Swagger UI's static files */
  documentationDir?: string
}
