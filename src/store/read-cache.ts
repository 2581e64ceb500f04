import { statement, type Db } from './database.js'

/**
 * PRAGMA data_version: a number that moves whenever another connection (the
 * CLI revoking a token, rotating the master key, deleting a project) commits,
 * and only then. One request's lookups run synchronously one after another,
 * so the pragma is read once per run and that reading is shared; the next
 * request reads it afresh, and so sees every commit made before it arrived.
 */
export class DataVersion {
  readonly #db: Db
  #current: number | undefined

  constructor (db: Db) {
    this.#db = db
  }

  current (): number {
    if (this.#current === undefined) {
      this.#current = statement(this.#db, 'PRAGMA data_version').pluck().get() as number
      queueMicrotask(() => { this.#current = undefined })
    }
    return this.#current
  }
}

/**
 * Rows every request looks up and that rarely change (tokens, projects),
 * kept until another connection commits anything or this one changes or
 * removes one (the repository clears the cache then: data_version does not
 * move for a connection's own writes). Misses are not kept — so guessing
 * names or tokens cannot fill it, and a row this connection adds needs no
 * clearing —; past `limit` entries it starts over.
 */
export class ReadCache<V> {
  readonly #version: { current: () => number }
  readonly #limit: number
  readonly #entries = new Map<string, V>()
  #at = -1

  constructor (version: { current: () => number }, limit = 1024) {
    this.#version = version
    this.#limit = limit
  }

  get (key: string, load: () => V | undefined): V | undefined {
    const version = this.#version.current()
    if (version !== this.#at) {
      this.#entries.clear()
      this.#at = version
    }
    const cached = this.#entries.get(key)
    if (cached !== undefined) return cached
    const loaded = load()
    if (loaded === undefined) return undefined
    if (this.#entries.size >= this.#limit) this.#entries.clear()
    this.#entries.set(key, loaded)
    return loaded
  }

  /** The same for a load that answers a promise: a miss loads, what it finds is kept at the version it was asked at. */
  async getAsync (key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const cached = this.get(key, () => undefined)
    if (cached !== undefined) return cached
    const version = this.#at
    const loaded = await load()
    // Kept only if nobody committed while it loaded: what it read may be older than that commit.
    if (loaded !== undefined && version === this.#at && version === this.#version.current()) {
      if (this.#entries.size >= this.#limit) this.#entries.clear()
      this.#entries.set(key, loaded)
    }
    return loaded
  }

  clear (): void {
    this.#entries.clear()
  }
}
