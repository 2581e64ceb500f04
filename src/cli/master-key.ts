import type { Config } from '../config.js'
import { rotateMasterKey } from '../services/rotate-master-key.js'
import type { SqliteBinding } from '../store/database.js'
import type { Store } from '../store/store.js'
import { usageError, type CliIo } from './io.js'

/** `jwkd master-key rotate`: prints how many private keys were re-sealed. */
export async function masterKeyCommand (action: string | undefined, ctx: { store: Store, io: CliIo, config: Config, sqlite?: SqliteBinding }): Promise<void> {
  if (action !== 'rotate') throw usageError('usage: jwkd master-key rotate')
  ctx.io.out(String(await rotateMasterKey(ctx.store, ctx.config, ctx.sqlite)))
}
