import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'

export interface Config {
  host: string
  port: number
  dataDir: string
  /** base64 of 32 bytes, from JWKD_MASTER_KEY */
  masterKey?: string
  /** path of a file holding the same, from JWKD_MASTER_KEY_FILE */
  masterKeyFile?: string
  poolSize: number
  poolMaxQueue: number
  logLevel: string
  /** requests per minute per token; 0 = off */
  rateLimit: number
  /** URL imports may reach loopback, private and link-local addresses */
  importAllowPrivate: boolean
  /** PostgreSQL instead of the data directory's SQLite file, from JWKD_DATABASE_URL */
  database?: { url: string, poolSize: number, statementTimeoutMs: number }
  /** ms between the rotation scheduler's looks at due keys; 0 = it never runs on its own */
  rotationCheckMs: number
  /** ms after a failed deploy before the environments are reconciled again (doubling while it fails); 0 = only at the next start */
  deployRetryMs: number
  /** the longest `max-age` a public JWK Set is served with, in seconds */
  jwksMaxAge: number
}

/** The variables docs/API.md, "Running and configuration" defines, with their meaning, for `--help` texts. */
export const CONFIG_VARIABLES: ReadonlyArray<readonly [string, string, string]> = [
  ['JWKD_HOST', '127.0.0.1', 'listen address'],
  ['JWKD_PORT', '8080', 'listen port (0 = pick a free one; the chosen URL is logged)'],
  ['JWKD_DATA_DIR', './data', 'SQLite database, master key file (if generated), environment snapshots'],
  ['JWKD_MASTER_KEY', '-', 'base64 of 32 random bytes: the key-encryption key for private key material'],
  ['JWKD_MASTER_KEY_FILE', '-', 'path to a file holding the same; if neither is set, <data>/master.key is created'],
  ['JWKD_POOL_SIZE', 'available CPUs', 'keygen worker threads'],
  ['JWKD_POOL_MAX_QUEUE', '64 per worker', 'queued generations before 503'],
  ['JWKD_LOG_LEVEL', 'info', 'pino log level'],
  ['JWKD_RATE_LIMIT', '0 (off)', 'requests per minute per token on /apiops; beyond it, 429 with Retry-After'],
  ['JWKD_IMPORT_ALLOW_PRIVATE', 'false', 'true lets URL imports reach loopback, private and link-local addresses'],
  ['JWKD_DATABASE_URL', '-', 'postgres://user:password@host:5432/db?sslmode=require: PostgreSQL instead of SQLite, shared by several instances'],
  ['JWKD_DATABASE_POOL_SIZE', '10', 'PostgreSQL connections per instance'],
  ['JWKD_DATABASE_STATEMENT_TIMEOUT_MS', '10000', 'a PostgreSQL statement running longer is cancelled'],
  ['JWKD_ROTATION_CHECK_MS', '1000', 'how often the rotation scheduler looks for due keys (0 = never on its own)'],
  ['JWKD_DEPLOY_RETRY_MS', '1000', 'after a deploy failed in some environment, reconcile again this much later, doubling to 30 s while it fails (0 = only at the next start)'],
  ['JWKD_JWKS_MAX_AGE', '60', 'the longest Cache-Control max-age of a public JWK Set, in seconds (shorter before a scheduled change)']
]

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean (env: Env, name: string): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`)
}

function databaseOf (env: Env): Config['database'] {
  const url = env.JWKD_DATABASE_URL || undefined
  if (url === undefined) return undefined
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('JWKD_DATABASE_URL must be a postgres:// or postgresql:// URL')
  return {
    url,
    poolSize: integer(env, 'JWKD_DATABASE_POOL_SIZE', 10, 1, 1000),
    statementTimeoutMs: integer(env, 'JWKD_DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 100, 3_600_000)
  }
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])

/**
 * The configuration from the environment. JWKD_MASTER_KEY is taken out of
 * `env` as it is read, so nothing started later (a worker thread, a child,
 * a crash dump of the environment) inherits the key.
 */
export function loadConfig (env: Env = process.env): Config {
  const poolSize = integer(env, 'JWKD_POOL_SIZE', availableParallelism(), 1, 256)
  const logLevel = env.JWKD_LOG_LEVEL || 'info'
  if (!LOG_LEVELS.has(logLevel)) throw new ConfigError(`JWKD_LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`)
  const masterKey = env.JWKD_MASTER_KEY || undefined
  delete env.JWKD_MASTER_KEY
  return {
    host: env.JWKD_HOST || '127.0.0.1',
    port: integer(env, 'JWKD_PORT', 8080, 0, 65535),
    dataDir: resolve(env.JWKD_DATA_DIR || './data'),
    masterKey,
    masterKeyFile: env.JWKD_MASTER_KEY_FILE ? resolve(env.JWKD_MASTER_KEY_FILE) : undefined,
    poolSize,
    poolMaxQueue: integer(env, 'JWKD_POOL_MAX_QUEUE', poolSize * 64, 1, 1_000_000),
    logLevel,
    rateLimit: integer(env, 'JWKD_RATE_LIMIT', 0, 0, 1_000_000),
    importAllowPrivate: boolean(env, 'JWKD_IMPORT_ALLOW_PRIVATE'),
    database: databaseOf(env),
    rotationCheckMs: integer(env, 'JWKD_ROTATION_CHECK_MS', 1000, 0, 3_600_000),
    deployRetryMs: integer(env, 'JWKD_DEPLOY_RETRY_MS', 1000, 0, 3_600_000),
    jwksMaxAge: integer(env, 'JWKD_JWKS_MAX_AGE', 60, 0, 86_400)
  }
}
