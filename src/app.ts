import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import { systemClock, type Clock } from './clock.js'
import type { Config } from './config.js'
import { BadRequestError, JwkdError } from './errors.js'
import auditFailures from './plugins/audit-failures.js'
import authPlugin from './plugins/auth.js'
import documentation from './plugins/documentation.js'
import bootstrapPlugin from './plugins/bootstrap.js'
import deployerPlugin from './plugins/deployer.js'
import { clientErrorHandler } from './plugins/client-errors.js'
import errorHandler from './plugins/error-handler.js'
import jsonBody from './plugins/json-body.js'
import keygenPlugin from './plugins/keygen.js'
import metricsPlugin from './plugins/metrics.js'
import requestLog from './plugins/request-log.js'
import vaultPlugin from './plugins/vault.js'
import servicesPlugin from './plugins/services.js'
import shutdown from './plugins/shutdown.js'
import storePlugin from './plugins/store.js'
import auditRoutes from './routes/audit.js'
import certificateRoutes from './routes/certificates.js'
import jwkFileRoutes from './routes/jwk-files.js'
import keyRoutes from './routes/keys.js'
import keystoreRoutes from './routes/keystores.js'
import environmentRoutes from './routes/environments.js'
import healthRoutes from './routes/health.js'
import jwkRoutes from './routes/jwks.js'
import schedulerPlugin from './plugins/scheduler.js'
import jwkVersionRoutes from './routes/jwk-versions.js'
import publicJwksRoutes from './routes/public-jwks.js'
import { validatorCompiler } from './schemas/validator.js'
import type { RuntimeAssets } from './runtime-assets.js'
import { VERSION } from './version.js'

export const BODY_LIMIT = 64 * 1024

/**
 * A JWK name is at most 255 UTF-16 units; percent-encoded in a path, a unit
 * takes up to nine characters (three UTF-8 bytes). The router refuses longer
 * parameters, which would leave a key that generate accepted unreachable.
 */
export const MAX_PARAM_LENGTH = 255 * 9

/** A whole request, headers and body, must arrive within this: a trickled body cannot hold a socket for long. */
export const REQUEST_TIMEOUT_MS = 30_000
/** An idle connection (no byte either way) is closed after this. */
export const CONNECTION_TIMEOUT_MS = 60_000

export interface BuildOptions {
  /** false silences the log; a stream receives it (with the same level and redaction) */
  logger?: false | { stream: { write: (line: string) => void }, level?: string }
  /** the service's notion of now (tests pin it) */
  clock?: Clock
  /** where the single executable extracted what it carries; empty otherwise */
  assets?: RuntimeAssets
  /** overrides REQUEST_TIMEOUT_MS and how often Node checks it (tests shorten both) */
  requestTimeout?: { ms: number, checkEveryMs: number }
}

/** Headers and bodies that could carry secrets never reach a log line. */
export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.d', '*.k', '*.p', '*.q', '*.dp', '*.dq', '*.qi']

/**
 * The whole service as a Fastify instance, not yet listening: the factory
 * tests use with `inject` and `server.ts` starts.
 */
export async function buildApp (config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false
      ? false
      : { level: options.logger?.level ?? config.logLevel, redact: REDACTED_PATHS, ...(options.logger === undefined ? {} : { stream: options.logger.stream }) },
    bodyLimit: BODY_LIMIT,
    requestTimeout: options.requestTimeout?.ms ?? REQUEST_TIMEOUT_MS,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    // Node 20 enforces a request timeout only when it is given to the server's constructor.
    http: {
      requestTimeout: options.requestTimeout?.ms ?? REQUEST_TIMEOUT_MS,
      ...(options.requestTimeout === undefined ? {} : { connectionsCheckingInterval: options.requestTimeout.checkEveryMs })
    },
    return503OnClosing: false,
    genReqId: () => randomUUID(),
    // src/plugins/request-log.ts writes one line per request instead.
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing (a malformed URL, say) bypass the error handler.
    frameworkErrors: (error, _request, reply) => {
      const mapped = error instanceof JwkdError ? error : new BadRequestError(`Malformed request: ${error.message}`)
      const untyped = reply as FastifyReply
      untyped.code(mapped.statusCode).send(mapped.toBody())
    }
  }).withTypeProvider<TypeBoxTypeProvider>()
  try {
    await assemble(app, config, options)
  } catch (err) {
    // A start that fails (a wrong master key, say) releases what it opened: a database pool would keep the process alive.
    await app.close().catch(() => {})
    throw err
  }
  return app
}

async function assemble (app: FastifyInstance, config: Config, options: BuildOptions): Promise<void> {
  const clock = options.clock ?? systemClock
  const assets = options.assets ?? {}

  app.setValidatorCompiler(validatorCompiler)
  // The id on every log line of a request, handed back so an operator can find them.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })
  await app.register(requestLog)
  await app.register(errorHandler)
  await app.register(jsonBody)
  await app.register(shutdown)
  // Before any route, so the OpenAPI document sees them all.
  await app.register(documentation, { version: VERSION, staticDir: assets.documentationDir })
  await app.register(storePlugin, { config, clock, sqlite: assets.sqlite })
  await app.register(vaultPlugin, { config })
  await app.register(bootstrapPlugin, { dataDir: config.dataDir })
  await app.register(metricsPlugin)
  await app.register(keygenPlugin, { size: config.poolSize, maxQueue: config.poolMaxQueue, workers: assets.workers })
  await app.register(deployerPlugin, { dataDir: config.dataDir, sqlite: assets.sqlite, workers: assets.workers, retryMs: config.deployRetryMs })
  await app.register(servicesPlugin, { config })
  await app.register(schedulerPlugin, { intervalMs: config.rotationCheckMs })

  await app.register(healthRoutes)
  // Verifiers poll it; a minute by default keeps them close to changes without hammering jwkd.
  await app.register(publicJwksRoutes, { maxAge: config.jwksMaxAge })
  await app.register(async (apiops) => {
    await apiops.register(authPlugin, { rateLimit: config.rateLimit })
    await apiops.register(auditFailures)
    await apiops.register(jwkRoutes)
    await apiops.register(jwkFileRoutes)
    await apiops.register(jwkVersionRoutes)
    await apiops.register(certificateRoutes)
    await apiops.register(keyRoutes)
    await apiops.register(keystoreRoutes)
    await apiops.register(auditRoutes)
    await apiops.register(environmentRoutes)
  }, { prefix: '/apiops' })
}
