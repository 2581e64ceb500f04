import { createPrivateKey, createPublicKey } from 'node:crypto'
import type { Jwk } from '../crypto/jwk.js'
import type { KeyPairInput, ReadKeyResult, StoredKeyType } from '../crypto/key-material.js'
import { keyAdditionalData } from '../crypto/sealer.js'
import { BadRequestError, keyNotFound, projectNotFound } from '../errors.js'
import type { DeploymentResult } from '../schemas/common.js'
import type { CreateKeyBody, UpdateKeyBody } from '../schemas/keys.js'
import { KeyRepository, type KeyRecord, type NewKey } from '../store/crypto-keys.js'
import { NameTakenError, ProjectGoneError } from '../store/errors.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import { commitAudited } from './audited-commit.js'
import { listedEnvironments } from './listed-environments.js'
import { describeDeployment } from './deployment-result.js'
import { refuseReferencedJwksUpdate, type SourceUpdateOptions } from './source-update.js'
import { safeFileName } from '../files/file-name.js'
import { zip } from '../files/zip.js'
import type { Actor, SealingKey } from './jwk-service.js'

export interface KeyView {
  name: string
  description: string
  projectId: string
  keyType: StoredKeyType
  cryptoKeyInfoEnvironmentList: Array<{
    environmentName: string
    /** SPKI, base64 DER */
    publicKey: string
    /** PKCS#8, base64 DER: only on get, and only unless publicOnly */
    privateKey?: string
    hasPrivateKey: boolean
  }>
}

export interface KeyServiceDeps {
  store: Store
  sealer: SealingKey
  /** reads, decrypts and vets key files off the event loop (the keygen pool's heavy lane) */
  keygen: { readKey: (input: KeyPairInput, signal?: AbortSignal) => Promise<ReadKeyResult> }
}

export interface UpdateOptions extends SourceUpdateOptions {
  signal?: AbortSignal
}

/** A key read and vetted, its private parts not yet sealed (see #sealed). */
type DraftKey = Omit<NewKey, 'copies'> & { copies: Array<{ environmentId: string, spki: Buffer, pkcs8?: string }> }

/** The part of a stored key a JWK is made from (docs/API.md, "Keys"). */
export type KeyPart = 'public' | 'private'

const nameTaken = (name: string): BadRequestError =>
  new BadRequestError(`Key (name: ${name}) is already exist! Try update operation if want to change its value.`)

/**
 * Keys of a project (Apinizer's CryptoKeyInfo), one copy per environment it
 * is deployed to: the public part in clear, the private part sealed like a
 * JWK's private members. Deployed means durable in the database, as for
 * certificates: JWKs made from a key are what reach the JWK Sets.
 */
export class KeyService {
  readonly #store: Store
  readonly #sealer: SealingKey
  readonly #keygen: KeyServiceDeps['keygen']

  constructor (deps: KeyServiceDeps) {
    this.#store = deps.store
    this.#sealer = deps.sealer
    this.#keygen = deps.keygen
  }

  async list (project: NamedResource): Promise<KeyView[]> {
    return await Promise.all((await this.#store.keys.listByProject(project.id)).map(async record => await this.#view(record, false)))
  }

  async get (project: NamedResource, name: string, options: { publicOnly: boolean }): Promise<KeyView> {
    return await this.#view(await this.#find(project, name), !options.publicOnly)
  }

  async #find (project: NamedResource, name: string, repositories: Repositories = this.#store): Promise<KeyRecord> {
    const record = await repositories.keys.findByName(project.id, name)
    if (record === undefined) throw keyNotFound(name)
    return record
  }

  async #openPrivate (record: KeyRecord, copy: KeyRecord['copies'][number]): Promise<Buffer | undefined> {
    if (copy.sealedPrivate === null) return undefined
    return Buffer.from(await this.#sealer.openJson<string>(copy.sealedPrivate, keyAdditionalData(record.id, copy.environmentId)), 'base64')
  }

  async #view (record: KeyRecord, withPrivate: boolean): Promise<KeyView> {
    return {
      name: record.name,
      description: record.description,
      projectId: record.projectId,
      keyType: record.keyType,
      cryptoKeyInfoEnvironmentList: await Promise.all(record.copies.map(async copy => {
        const privateKey = withPrivate ? await this.#openPrivate(record, copy) : undefined
        return {
          environmentName: copy.environmentName,
          publicKey: copy.spki.toString('base64'),
          ...(privateKey === undefined ? {} : { privateKey: privateKey.toString('base64') }),
          hasPrivateKey: copy.sealedPrivate !== null
        }
      }))
    }
  }

  /** Every environment's key read and vetted in the pool, in the list's order; all of one type. */
  async #read (id: string, project: NamedResource, name: string, body: CreateKeyBody | UpdateKeyBody, signal?: AbortSignal): Promise<DraftKey> {
    const copies: DraftKey['copies'] = []
    let keyType: StoredKeyType | undefined
    for (const { entry, environment, shown } of await listedEnvironments(this.#store, body.cryptoKeyInfoEnvironmentList, 'cryptoKeyInfoEnvironmentList')) {
      const read = await this.#keygen.readKey({ publicKey: entry.publicKey, privateKey: entry.privateKey, privateKeyPassword: entry.privateKeyPassword }, signal)
      if (!read.ok) throw new BadRequestError(`${read.reason} (environment: ${shown})`)
      const expected = keyType ?? body.keyType
      if (expected !== undefined && read.key.keyType !== expected) {
        throw new BadRequestError(`The key for environment (name: ${shown}) is ${read.key.keyType}, not ${expected}${keyType === undefined ? ' (keyType)' : ' like the ones before it'}`)
      }
      keyType = read.key.keyType
      copies.push({ environmentId: environment.id, spki: Buffer.from(read.key.spki, 'base64'), pkcs8: read.key.pkcs8 })
    }
    return { id, projectId: project.id, name, description: body.description ?? '', keyType: keyType!, copies }
  }

  /**
   * Sealed inside the commit's write transaction: a master-key rotation
   * cannot commit between this seal and the insert, so no copy is stored
   * under a key it has just retired.
   */
  async #sealed (key: DraftKey, tx: Repositories): Promise<NewKey> {
    return {
      ...key,
      copies: await Promise.all(key.copies.map(async ({ pkcs8, ...copy }) => ({ ...copy, sealedPrivate: pkcs8 === undefined ? null : await this.#sealer.sealJson(pkcs8, keyAdditionalData(key.id, copy.environmentId), tx) })))
    }
  }

  async create (project: NamedResource, body: CreateKeyBody, actor: Actor, signal?: AbortSignal): Promise<DeploymentResult> {
    if (await this.#store.keys.findByName(project.id, body.name) !== undefined) throw nameTaken(body.name)
    const key = await this.#read(KeyRepository.newId(), project, body.name, body, signal)
    const record = await this.#commit(project, key.name, actor, 'key.create', async tx => await tx.keys.insert(await this.#sealed(key, tx)))
    return describeDeployment(record.copies, 'Deployment')
  }

  /** The complete key again (Apinizer): description, type and every environment's key replaced; a name in the body renames it. */
  async update (project: NamedResource, name: string, body: UpdateKeyBody, actor: Actor, options: UpdateOptions = {}): Promise<DeploymentResult> {
    const current = await this.#find(project, name)
    refuseReferencedJwksUpdate(options, 'key')
    const signal = options.signal
    const newName = body.name ?? name
    if (newName !== name && await this.#store.keys.findByName(project.id, newName) !== undefined) throw nameTaken(newName)
    const key = await this.#read(current.id, project, newName, body, signal)
    const record = await this.#commit(project, newName, actor, 'key.update', async tx => {
      if ((await tx.keys.findByName(project.id, name))?.id !== current.id) throw keyNotFound(name)
      return await tx.keys.replace(await this.#sealed(key, tx))
    })
    return describeDeployment(record.copies, 'Deployment')
  }

  /** Removes it from every environment; JWKs made from it keep their key and lose the link (their sourceId). */
  async delete (project: NamedResource, name: string, actor: Actor): Promise<DeploymentResult> {
    await this.#find(project, name)
    const removed = await this.#commit(project, name, actor, 'key.delete', async tx => {
      const current = await this.#find(project, name, tx)
      await tx.jwks.detachFromSource(current.id)
      await tx.keys.delete(current.id)
      return current
    })
    await this.#store.purgeDeleted()
    return describeDeployment(removed.copies, 'Undeployment')
  }

  /**
   * The key material as files (Apinizer's export-file): one environment's
   * PEM, or every environment's in a ZIP of `<key>-<environment>.pem`.
   * PKCS#8 where the copy has a private part (unless publicOnly), SPKI where not.
   */
  async exportFile (project: NamedResource, name: string, options: { environmentName?: string, publicOnly: boolean }): Promise<{ pem: string } | { zip: Buffer }> {
    const record = await this.#find(project, name)
    if (record.copies.length === 0) throw new BadRequestError(`(${name}) carries no environment material to export!`)
    const pemOf = async (copy: KeyRecord['copies'][number]): Promise<string> => {
      const pkcs8 = options.publicOnly ? undefined : await this.#openPrivate(record, copy)
      return pkcs8 === undefined
        ? createPublicKey({ key: copy.spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string
        : createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string
    }
    if (options.environmentName !== undefined) {
      const copy = record.copies.find(candidate => candidate.environmentName === options.environmentName)
      if (copy === undefined) {
        throw new BadRequestError(`(${name}) has no material for environment (${options.environmentName.slice(0, 64)})! Available: ${record.copies.map(one => one.environmentName).join(', ')}`)
      }
      return { pem: await pemOf(copy) }
    }
    const entries = await Promise.all(record.copies.map(async copy => ({ name: safeFileName(`${name}-${copy.environmentName}`, 'pem'), data: Buffer.from(await pemOf(copy)) })))
    return { zip: zip(entries, new Date(record.updatedAt)) }
  }

  /**
   * The JWK members of one environment's copy, for a JWK made from the key:
   * public members only, or with the private ones (which the copy must have).
   */
  async jwkOf (project: NamedResource, keyName: string, environmentName: string, part: KeyPart): Promise<{ id: string, jwk: Jwk }> {
    const record = await this.#find(project, keyName)
    const copy = record.copies.find(candidate => candidate.environmentName === environmentName)
    if (copy === undefined) throw new BadRequestError(`Key (name: ${keyName}) is not deployed to environment (name: ${environmentName.slice(0, 64)})`)
    if (part === 'public') return { id: record.id, jwk: createPublicKey({ key: copy.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' }) as Jwk }
    const pkcs8 = await this.#openPrivate(record, copy)
    if (pkcs8 === undefined) throw new BadRequestError(`Key (name: ${keyName}) has no private key in environment (name: ${environmentName.slice(0, 64)}); use source type PUBLIC_KEY`)
    return { id: record.id, jwk: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as Jwk }
  }

  /** Whether the copy has a private part: parse-from-key takes it when there is one. */
  async hasPrivate (project: NamedResource, keyName: string, environmentName: string): Promise<boolean> {
    return (await this.#find(project, keyName)).copies.some(copy => copy.environmentName === environmentName && copy.sealedPrivate !== null)
  }

  async #commit (project: NamedResource, name: string, actor: Actor, action: string, change: (tx: Repositories) => Promise<KeyRecord>): Promise<KeyRecord> {
    try {
      return await commitAudited(this.#store, { actor, action, project, name }, change)
    } catch (err) {
      if (err instanceof NameTakenError) throw nameTaken(name)
      if (err instanceof ProjectGoneError) throw projectNotFound(project.name)
      throw err
    }
  }
}
