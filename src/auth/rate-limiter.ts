/**
 * Per-token token buckets: `perMinute` requests a minute on average, bursts
 * of up to `perMinute`. Memory is one small entry per token that has been used.
 */
export class RateLimiter {
  readonly #perMinute: number
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  constructor (perMinute: number) {
    this.#perMinute = perMinute
  }

  /** @returns 0 when the request may go ahead, else the seconds until it could */
  take (key: string, now = Date.now()): number {
    const refillPerMs = this.#perMinute / 60_000
    const bucket = this.#buckets.get(key) ?? { tokens: this.#perMinute, at: now }
    bucket.tokens = Math.min(this.#perMinute, bucket.tokens + (now - bucket.at) * refillPerMs)
    bucket.at = now
    this.#buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000))
  }
}
