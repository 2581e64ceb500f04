import { createHash, createPrivateKey, X509Certificate } from 'node:crypto'
import type { Jwk } from '../crypto/jwk.js'
import type { KeystoreInput, KeystoreType, ReadKeystoreResult } from '../crypto/keystore.js'
import { keystoreAdditionalData } from '../crypto/sealer.js'
import { BadRequestError, keystoreNotFound, projectNotFound } from '../errors.js'
import type { DeploymentResult } from '../schemas/common.js'
import type { CreateKeystoreBody, UpdateKeystoreBody } from '../schemas/keystores.js'
import { NameTakenError, ProjectGoneError } from '../store/errors.js'
import { KeystoreRepository, type AliasSummary, type KeystoreRecord, type NewKeystore } from '../store/keystores.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import { commitAudited } from './audited-commit.js'
import { describeDeployment } from './deployment-result.js'
import { listedEnvironments } from './listed-environments.js'
import type { Actor, SealingKey } from './jwk-service.js'
import { refuseReferencedJwksUpdate, type SourceUpdateOptions } from './source-update.js'

export interface KeystoreView {
  name: string
  description: string
  projectId: string
  keyStoreEnvironmentList: Array<{
    environmentName: string
    type: KeystoreType
    /** the file as sent, base64: only on get */
    file?: string
    aliasList: AliasSummary[]
  }>
}

export interface KeystoreServiceDeps {
  store: Store
  sealer: SealingKey
  /** opens and vets keystores off the event loop (the keygen pool's heavy lane) */
  keygen: { readKeystore: (input: KeystoreInput, signal?: AbortSignal) => Promise<ReadKeystoreResult> }
}

/** What one copy's sealed blob holds. */
interface SealedContent {
  file: string
  entries: Array<{ alias: string, pkcs8?: string, certificates: string[] }>
}

type DraftKeystore = Omit<NewKeystore, 'copies'> & { copies: Array<Omit<NewKeystore['copies'][number], 'sealedContent'> & { content: SealedContent }> }

const nameTaken = (name: string): BadRequestError =>
  new BadRequestError(`Keystore (name: ${name}) is already exist! Try update operation if want to change its value.`)

/**
 * Keystores of a project (PKCS#12 or JKS), one copy per environment: opened
 * once on the way in with the passwords given (never stored), then the file
 * and every alias's key and certificates sealed together. JWKs are made from
 * an alias of a copy.
 */
export class KeystoreService {
  readonly #store: Store
  readonly #sealer: SealingKey
  readonly #keygen: KeystoreServiceDeps['keygen']

  constructor (deps: KeystoreServiceDeps) {
    this.#store = deps.store
    this.#sealer = deps.sealer
    this.#keygen = deps.keygen
  }

  async list (project: NamedResource): Promise<KeystoreView[]> {
    return await Promise.all((await this.#store.keystores.listByProject(project.id)).map(async record => await this.#view(record, false)))
  }

  async get (project: NamedResource, name: string, options: { withFile: boolean }): Promise<KeystoreView> {
    return await this.#view(await this.#find(project, name), options.withFile)
  }

  async #find (project: NamedResource, name: string, repositories: Repositories = this.#store): Promise<KeystoreRecord> {
    const record = await repositories.keystores.findByName(project.id, name)
    if (record === undefined) throw keystoreNotFound(name)
    return record
  }

  async #open (record: KeystoreRecord, copy: KeystoreRecord['copies'][number]): Promise<SealedContent> {
    return await this.#sealer.openJson<SealedContent>(copy.sealedContent, keystoreAdditionalData(record.id, copy.environmentId))
  }

  async #view (record: KeystoreRecord, withFile: boolean): Promise<KeystoreView> {
    return {
      name: record.name,
      description: record.description,
      projectId: record.projectId,
      keyStoreEnvironmentList: await Promise.all(record.copies.map(async copy => ({
        environmentName: copy.environmentName,
        type: copy.type,
        ...(withFile ? { file: (await this.#open(record, copy)).file } : {}),
        aliasList: copy.aliases
      })))
    }
  }

  /** Every environment's keystore opened and vetted in the pool, in the list's order. */
  async #read (id: string, project: NamedResource, name: string, body: CreateKeystoreBody | UpdateKeystoreBody, signal?: AbortSignal): Promise<DraftKeystore> {
    const copies: DraftKeystore['copies'] = []
    for (const { entry, environment, shown } of await listedEnvironments(this.#store, body.keyStoreEnvironmentList, 'keyStoreEnvironmentList')) {
      const read = await this.#keygen.readKeystore({ type: entry.type, file: entry.file, password: entry.password, keyPassword: entry.keyPassword }, signal)
      if (!read.ok) throw new BadRequestError(`${read.reason} (environment: ${shown})`)
      copies.push({
        environmentId: environment.id,
        type: entry.type,
        aliases: read.entries.map(one => ({ aliasName: one.alias, keyType: one.keyType, hasPrivateKey: one.pkcs8 !== undefined })),
        content: {
          file: entry.file.replace(/\s+/g, ''),
          entries: read.entries.map(one => ({ alias: one.alias, ...(one.pkcs8 === undefined ? {} : { pkcs8: one.pkcs8 }), certificates: one.certificates }))
        }
      })
    }
    return { id, projectId: project.id, name, description: body.description ?? '', copies }
  }

  /** Sealed inside the commit's write transaction, so a master-key rotation cannot retire the key in between. */
  async #sealed (keystore: DraftKeystore, tx: Repositories): Promise<NewKeystore> {
    return {
      ...keystore,
      copies: await Promise.all(keystore.copies.map(async ({ content, ...copy }) => ({ ...copy, sealedContent: await this.#sealer.sealJson(content, keystoreAdditionalData(keystore.id, copy.environmentId), tx) })))
    }
  }

  async create (project: NamedResource, body: CreateKeystoreBody, actor: Actor, signal?: AbortSignal): Promise<DeploymentResult> {
    if (await this.#store.keystores.findByName(project.id, body.name) !== undefined) throw nameTaken(body.name)
    const keystore = await this.#read(KeystoreRepository.newId(), project, body.name, body, signal)
    const record = await this.#commit(project, keystore.name, actor, 'keystore.create', async tx => await tx.keystores.insert(await this.#sealed(keystore, tx)))
    return describeDeployment(record.copies, 'Deployment')
  }

  /** The complete keystore again: every environment's file replaced; a name in the body renames it. */
  async update (project: NamedResource, name: string, body: UpdateKeystoreBody, actor: Actor, options: SourceUpdateOptions & { signal?: AbortSignal } = {}): Promise<DeploymentResult> {
    const current = await this.#find(project, name)
    refuseReferencedJwksUpdate(options, 'keystore')
    const newName = body.name ?? name
    if (newName !== name && await this.#store.keystores.findByName(project.id, newName) !== undefined) throw nameTaken(newName)
    const keystore = await this.#read(current.id, project, newName, body, options.signal)
    const record = await this.#commit(project, newName, actor, 'keystore.update', async tx => {
      if ((await tx.keystores.findByName(project.id, name))?.id !== current.id) throw keystoreNotFound(name)
      return await tx.keystores.replace(await this.#sealed(keystore, tx))
    })
    return describeDeployment(record.copies, 'Deployment')
  }

  /** Removes it from every environment; JWKs made from it keep their key and lose the link. */
  async delete (project: NamedResource, name: string, actor: Actor): Promise<DeploymentResult> {
    await this.#find(project, name)
    const removed = await this.#commit(project, name, actor, 'keystore.delete', async tx => {
      const current = await this.#find(project, name, tx)
      await tx.jwks.detachFromSource(current.id)
      await tx.keystores.delete(current.id)
      return current
    })
    await this.#store.purgeDeleted()
    return describeDeployment(removed.copies, 'Undeployment')
  }

  /**
   * The JWK of one alias of one environment's copy: with its private
   * members when the alias holds a key, and its certificate chain as x5c.
   */
  async jwkOf (project: NamedResource, keystoreName: string, environmentName: string, aliasName: string): Promise<{ id: string, jwk: Jwk, x5c?: string[], thumbprint?: string }> {
    const record = await this.#find(project, keystoreName)
    const copy = record.copies.find(candidate => candidate.environmentName === environmentName)
    if (copy === undefined) throw new BadRequestError(`Keystore (name: ${keystoreName}) is not deployed to environment (name: ${environmentName.slice(0, 64)})`)
    const entry = (await this.#open(record, copy)).entries.find(candidate => candidate.alias === aliasName)
    if (entry === undefined) {
      throw new BadRequestError(`Keystore (name: ${keystoreName}) has no alias (name: ${aliasName.slice(0, 64)}) in environment (name: ${environmentName.slice(0, 64)}); its aliases: ${copy.aliases.map(alias => alias.aliasName).join(', ')}`)
    }
    const jwk = (entry.pkcs8 === undefined
      ? new X509Certificate(Buffer.from(entry.certificates[0]!, 'base64')).publicKey
      : createPrivateKey({ key: Buffer.from(entry.pkcs8, 'base64'), format: 'der', type: 'pkcs8' })).export({ format: 'jwk' }) as Jwk
    if (entry.certificates.length === 0) return { id: record.id, jwk }
    const thumbprint = createHash('sha256').update(Buffer.from(entry.certificates[0]!, 'base64')).digest('base64url')
    return { id: record.id, jwk, x5c: entry.certificates, thumbprint }
  }

  async #commit (project: NamedResource, name: string, actor: Actor, action: string, change: (tx: Repositories) => Promise<KeystoreRecord>): Promise<KeystoreRecord> {
    try {
      return await commitAudited(this.#store, { actor, action, project, name }, change)
    } catch (err) {
      if (err instanceof NameTakenError) throw nameTaken(name)
      if (err instanceof ProjectGoneError) throw projectNotFound(project.name)
      throw err
    }
  }
}
