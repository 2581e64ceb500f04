import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { KeyMaterialSpec } from '../crypto/jwk.js'
import { LANES, type Lane } from '../pool/keygen-pool.js'

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

/**
 * Prometheus metrics at /metrics, unauthenticated like /health: they hold
 * counts and timings, never names or keys. One registry per app instance,
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
