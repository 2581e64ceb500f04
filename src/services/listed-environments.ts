import { BadRequestError } from '../errors.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'

/**
 * The environments a body's per-environment list names (keys, keystores):
 * not empty, each existing and listed once, in the body's order; `shown` is
 * the name as messages quote it.
 */
export async function listedEnvironments<T extends { environmentName: string }> (store: Store, entries: T[], listName: string): Promise<Array<{ entry: T, environment: NamedResource, shown: string }>> {
  if (entries.length === 0) throw new BadRequestError(`${listName} value can not be empty!`)
  const seen = new Set<string>()
  const listed: Array<{ entry: T, environment: NamedResource, shown: string }> = []
  for (const entry of entries) {
    const environmentName = entry.environmentName.trim()
    const shown = environmentName.slice(0, 64)
    if (environmentName === '') throw new BadRequestError('environmentName value can not be empty!')
    if (seen.has(environmentName)) throw new BadRequestError(`Environment (name: ${shown}) is listed twice`)
    seen.add(environmentName)
    const environment = await store.environments.findByName(environmentName)
    if (environment === undefined) throw new BadRequestError(`Environment (name: ${shown}) is not found!`)
    listed.push({ entry, environment, shown })
  }
  return listed
}
