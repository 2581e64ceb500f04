import type { Store } from '../store/store.js'

export interface EnvironmentView {
  name: string
  description: string
}

/** Where keys are deployed, as clients see it: names and descriptions, nothing internal (ids, database files). */
export class Environments {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  async list (): Promise<EnvironmentView[]> {
    return (await this.#store.environments.list()).map(({ name, description }) => ({ name, description }))
  }
}
