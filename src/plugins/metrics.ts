import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { KeyMaterialSpec } from '../crypto/jwk.js'
import { LANES, type Lane } from '../pool/keygen-pool.js'
import type { LifecycleSummary } from '../store/jwk-versions.js'

/** What the rest of the app reports; the keygen pool and the routes feed these. */
export interface Metrics {
  registry: Registry
  keygenDuration: Histogram<'type' | 'size'>
  poolRejections: Counter
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

/** `RSA`/`4096`, `EC`/`P-256`, `OKP`/`Ed25519`, `OCT`/`256`: few enough labels to keep. */
export function keygenLabels (material: KeyMaterialSpec): { type: string, size: string } {
  switch (material.kty) {
    case 'RSA': return { type: 'RSA', size: String(material.modulusLength) }
    case 'oct': return { type: 'OCT', size: String(material.bits) }
    default: return { type: material.kty, size: material.crv }
  }
}

const STATES = ['PENDING', 'ACTIVE', 'RETIRED', 'DISABLED', 'DESTROYED'] as const

/**
 * Keys' lives, read from the store at each scrape. Labelled by kid, which the
 * public JWK Set shows anyway, and only for keys with a rotation policy.
 */
function lifecycleGauges (app: FastifyInstance, registry: Registry): void {
  let summary: Promise<LifecycleSummary> | undefined
  // One read of the store per scrape, shared by the gauges below; a database away leaves them empty, not /metrics failing.
  const read = async (): Promise<LifecycleSummary> => {
    summary ??= app.store.jwkVersions.summary()
      .catch(() => ({ versionsByState: {}, scheduled: [], soonestExpiry: null }))
      .finally(() => setImmediate(() => { summary = undefined }))
    return await summary
  }
  const secondsUntil = (at: string | null): number => at === null ? NaN : (Date.parse(at) - app.store.clock().getTime()) / 1000
  new Gauge({ // eslint-disable-line no-new -- registered on creation, read on scrape
    name: 'jwkd_jwk_versions',
    help: 'Versions of all keys by state (a key that never rotated is one ACTIVE version)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect () {
      const { versionsByState } = await read()
      for (const state of STATES) this.set({ state }, versionsByState[state] ?? 0)
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'jwkd_jwk_next_rotation_event_seconds',
    help: 'Seconds until the scheduler next changes a key with a rotation policy (publish, activate, destroy); negative: overdue',
    labelNames: ['kid'] as const,
    registers: [registry],
    async collect () {
      this.reset()
      for (const { kid, nextEventAt } of (await read()).scheduled) if (nextEventAt !== null) this.set({ kid }, secondsUntil(nextEventAt))
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'jwkd_jwk_expiry_seconds',
    help: 'Seconds until the current version of a key with a rotation policy expires',
    labelNames: ['kid'] as const,
    registers: [registry],
    async collect () {
      this.reset()
      for (const { kid, expiresAt } of (await read()).scheduled) this.set({ kid }, secondsUntil(expiresAt))
    }
  })
  new Gauge({ // eslint-disable-line no-new
    name: 'jwkd_jwk_soonest_expiry_seconds',
    help: 'Seconds until the first of all keys\' current versions expires',
    registers: [registry],
    async collect () {
      const { soonestExpiry } = await read()
      if (soonestExpiry !== null) this.set(secondsUntil(soonestExpiry))
    }
  })
}

/**
 * Prometheus metrics at /metrics, unauthenticated like /health: they hold
 * counts and timings, never names or key material (kids are public). One registry per app instance,
 * so several apps in one process (tests) do not collide.
 */
async function metricsPlugin (app: FastifyInstance): Promise<void> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'jwkd_' })

  const requests = new Counter({
    name: 'jwkd_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry]
  })
  const latency = new Histogram({
    name: 'jwkd_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const keygenDuration = new Histogram({
    name: 'jwkd_keygen_duration_seconds',
    help: 'Time a worker spent generating one key, by key type and size or curve',
    labelNames: ['type', 'size'] as const,
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16],
    registers: [registry]
  })
  const poolRejections = new Counter({
    name: 'jwkd_keygen_rejected_total',
    help: 'Key generations refused with 503 because the pool queue was full',
    registers: [registry]
  })
  const laneGauge = (name: string, help: string, read: (lane: Lane) => number): void => {
    new Gauge({ // eslint-disable-line no-new -- registered on creation, read on scrape
      name,
      help,
      labelNames: ['lane'] as const,
      registers: [registry],
      collect () {
        for (const lane of LANES) this.set({ lane }, read(lane))
      }
    })
  }
  laneGauge('jwkd_keygen_pool_utilization', 'Share of a lane\'s capacity in use, 0 to 1 (heavy: piscina utilization; light: keys in flight per libuv thread)', lane => app.keygen.utilization(lane))
  laneGauge('jwkd_keygen_queue_depth', 'Tasks waiting for a worker, per lane (light lane: keys in flight in libuv\'s thread pool)', lane => app.keygen.queueSize(lane))
  laneGauge('jwkd_keygen_pool_threads', 'Threads per lane (heavy: piscina workers for RSA and imports, started on demand; light: libuv\'s thread pool)', lane => app.keygen.size(lane))

  lifecycleGauges(app, registry)

  app.decorate('metrics', { registry, keygenDuration, poolRejections })

  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      // the pattern, not the URL: names in paths would make unbounded label sets
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode)
    }
    requests.inc(labels)
    latency.observe(labels, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { tags: ['Operations'], summary: 'Prometheus metrics', security: [], description: 'Request counts and latency per route, keygen durations per key type and size, pool utilization and queue depth, 503 count.' } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType)
    return await registry.metrics()
  })
}

export default fp(metricsPlugin, { name: 'metrics' })
