import { randomUUID } from 'node:crypto'
import { systemClock, type Clock } from '../clock.js'
import type { Jwk } from '../crypto/jwk.js'
import { splitJwk } from '../crypto/jwk.js'
import { jwkToPem } from '../crypto/pem.js'
import { timeKid } from '../crypto/kid.js'
import { jwkAdditionalData } from '../crypto/sealer.js'
import type { Deployer } from '../deploy/deployer.js'
import { BadRequestError, FetchFailedError, certificateNotFound, jwkNotFound, jwkNotFoundForUpdate, projectNotFound } from '../errors.js'
import { laneOfTask, type KeygenPool } from '../pool/keygen-pool.js'
import type { KeyService } from './key-service.js'
import type { KeystoreService } from './keystore-service.js'
import type { DeploymentResult } from '../schemas/common.js'
import type { GenerateJwkBody } from '../schemas/generate.js'
import type { CreateJwkBody, ParseFromKeyBody, UpdateJwkBody } from '../schemas/manage.js'
import { KidTakenError, NameTakenError, ProjectGoneError } from '../store/errors.js'
import type { AuditEntry } from '../store/audit.js'
import type { Announcement } from '../store/group-commit.js'
import type { JwkRecord, KidAssignment, ListPage } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import { planGeneration, type GenerationPlan } from './generate-plan.js'
import { applyPolicy, policyFor } from './key-versions.js'
import type { RotationPolicy } from '../store/jwk-versions.js'
import type { UrlFetcher } from './fetch-url.js'
import { loadImportDocument, type ImportSource, type SourceLookup } from './import-plan.js'
import { describeDeployment } from './deployment-result.js'
import { draftImport, type Draft } from './import-draft.js'
import { toDetail, toItem, type JwkDetail, type JwkItem } from './jwk-view.js'

/**
 * Seals and opens private members: the Vault, which follows master-key
 * rotations. Sealing inside a commit passes its transaction, so the key is
 * checked against the one the database holds at that moment.
 */
export interface SealingKey {
  sealJson: (value: unknown, additionalData: string, tx?: Repositories) => Promise<string>
  openJson: <T>(blob: string, additionalData: string, tx?: Repositories) => Promise<T>
}

/** Who asked, for the audit log. */
export interface Actor {
  tokenName: string
  requestId?: string
}

export interface DeployedJwk {
  record: JwkRecord
  deploymentResult: DeploymentResult
}

export interface JwkServiceDeps {
  store: Store
  sealer: SealingKey
  keygen: KeygenPool
  deployer: Deployer
  /** URL imports go through it: its address policy and its limit on imports in flight */
  fetcher: UrlFetcher
  /** the project's stored keys, a source of JWKs (PUBLIC_KEY, PRIVATE_KEY) */
  keys: Pick<KeyService, 'jwkOf' | 'hasPrivate'>
  /** the project's stored keystores, a source of JWKs (KEYSTORE) */
  keystores: Pick<KeystoreService, 'jwkOf'>
  /** the time keys are issued at; tests pin it to make time-based kids collide on purpose */
  clock?: Clock
}

const nameTaken = (name: string): BadRequestError =>
  new BadRequestError(`JWK (name: ${name}) is already exist! Try update operation if want to change its value.`)

/** `fetched`: the kid came from a document fetched from a URL, which is never quoted back. */
const kidTaken = (kid: string, holder: string, fetched = false): BadRequestError =>
  new BadRequestError(`${fetched ? 'The fetched key\'s kid' : `Key ID (kid: ${kid})`} is already used by JWK (name: ${holder}) in this project; choose another kid`)

function kidAssignment (plan: GenerationPlan, iat: number, kid: string | number | undefined): KidAssignment {
  if (plan.timeKid !== undefined) return { kind: 'first-free', base: timeKid(plan.timeKid, plan.task.use, iat) }
  return kid === undefined ? { kind: 'none' } : { kind: 'exact', kid: String(kid) }
}

const auditEntry = (actor: Actor, action: string, project: NamedResource, record: JwkRecord, outcome: string): AuditEntry => ({
  actor: actor.tokenName,
  action,
  project: project.name,
  jwkName: record.name,
  kid: record.kid,
  outcome,
  requestId: actor.requestId
})

export class JwkService {
  readonly #store: Store
  readonly #sealer: SealingKey
  readonly #keygen: KeygenPool
  readonly #keys: JwkServiceDeps['keys']
  readonly #keystores: JwkServiceDeps['keystores']
  readonly #deployer: Deployer
  readonly #fetcher: UrlFetcher
  readonly #clock: Clock

  constructor (deps: JwkServiceDeps) {
    this.#store = deps.store
    this.#sealer = deps.sealer
    this.#keygen = deps.keygen
    this.#keys = deps.keys
    this.#keystores = deps.keystores
    this.#deployer = deps.deployer
    this.#fetcher = deps.fetcher
    this.#clock = deps.clock ?? systemClock
  }

  /** The key, or the route's not-found error (built only when needed: an Error captures a stack). */
  async #find (project: NamedResource, name: string, notFound: (name: string) => Error = jwkNotFound, repositories: Repositories = this.#store): Promise<JwkRecord> {
    const record = await repositories.jwks.findByName(project.id, name)
    if (record === undefined) throw notFound(name)
    return record
  }

  /** Cheap early answers; the insert transaction re-checks both under its lock. */
  async #assertFree (project: NamedResource, name: string, kid: string | undefined): Promise<void> {
    if (await this.#store.jwks.nameHolder(project.id, name)) throw nameTaken(name)
    const holder = kid === undefined ? undefined : await this.#store.jwks.kidHolder(project.id, kid)
    if (holder !== undefined) throw kidTaken(kid as string, holder)
  }

  /**
   * A change and its audit entry commit together: one group-commit write,
   * one fsync for both. A deploy that then fails somewhere adds an entry.
   */
  async #commitAudited (actor: Actor, action: string, project: NamedResource, change: (tx: Repositories) => Promise<JwkRecord>, slot?: Announcement<Repositories>): Promise<JwkRecord> {
    return await (slot ?? this.#store.commits).run(async tx => {
      const record = await change(tx)
      await tx.audit.append(auditEntry(actor, action, project, record, 'success'))
      return record
    })
  }

  async #deployAudited (actor: Actor, action: string, project: NamedResource, record: JwkRecord, undeploy = false): Promise<DeploymentResult> {
    const result = undeploy
      ? describeDeployment(await this.#deployer.undeploy(record), 'Undeployment')
      : describeDeployment(await this.#deployer.deploy(record, project.name), 'Deployment')
    if (!result.success) {
      await this.#store.commits.run(async tx => await tx.audit.append(auditEntry(actor, action, project, record, `partial: ${result.message}`)))
    }
    return result
  }

  /** Seal, commit, deploy: the common end of generate and create. */
  async #commitAndDeploy (project: NamedResource, draft: Draft, kid: KidAssignment, actor: Actor, action: string, slot?: Announcement<Repositories>, rotation?: RotationPolicy): Promise<DeployedJwk> {
    const id = randomUUID()
    const { privateMembers, ...fields } = draft
    let record: JwkRecord
    try {
      record = await this.#commitAudited(actor, action, project, async tx => {
        const inserted = await tx.jwks.insert({
          ...fields,
          id,
          projectId: project.id,
          // Sealed inside the commit's write transaction: a master-key rotation
          // (another process) cannot commit between this seal and the insert,
          // which would store a blob under the key it just retired.
          sealedPrivate: privateMembers === undefined ? null : await this.#sealer.sealJson(privateMembers, jwkAdditionalData(id), tx),
          createdAt: this.#clock().toISOString()
        }, kid)
        return rotation === undefined ? inserted : await applyPolicy(tx, inserted, rotation, this.#clock())
      }, slot)
    } catch (err) {
      if (err instanceof NameTakenError) throw nameTaken(draft.name)
      if (err instanceof KidTakenError) throw kidTaken(err.kid, err.holder, draft.sourceType === 'URL')
      if (err instanceof ProjectGoneError) throw projectNotFound(project.name)
      throw err
    }
    return { record, deploymentResult: await this.#deployAudited(actor, action, project, record) }
  }

  /** Validate, generate in the pool, seal, commit, deploy everywhere: docs/API.md, "Generate". */
  async generate (project: NamedResource, body: GenerateJwkBody, actor: Actor, signal?: AbortSignal): Promise<DeployedJwk> {
    const plan = planGeneration(body, this.#clock())
    await this.#assertFree(project, body.name, body.kid)
    // Tell the group commit a quick key's write is coming, so a burst of them shares one commit.
    // RSA keys take long enough that waiting for one would only delay the others.
    const slot = laneOfTask(plan.task) === 'light' ? this.#store.commits.announce() : undefined
    try {
      const generated = await this.#keygen.generate(plan.task, signal)
      const { publicJwk, privateMembers } = splitJwk(generated.jwk)
      return await this.#commitAndDeploy(project, {
        name: body.name,
        description: body.description ?? '',
        sourceType: 'GENERATE',
        sourceId: null,
        sourceUrl: null,
        type: plan.type,
        keyUse: plan.keyUse,
        algorithm: plan.algorithm,
        parameters: plan.parameters,
        publicJwk,
        privateMembers,
        thumbprint: generated.thumbprint,
        notBefore: plan.notBefore.toISOString(),
        expiresAt: plan.expiresAt.toISOString()
      }, kidAssignment(plan, plan.task.iat, publicJwk.kid), actor, 'jwk.generate', slot, plan.rotation)
    } finally {
      slot?.withdraw()
    }
  }

  /** A key from a pasted JWK (Set), one fetched from a URL or a stored certificate, vetted by really importing it. */
  async create (project: NamedResource, body: CreateJwkBody, actor: Actor, signal?: AbortSignal): Promise<DeployedJwk> {
    await this.#assertFree(project, body.name, body.kid)
    const source = await loadImportDocument(body, this.#fetcher, this.#sourcesOf(project), signal)
    const draft = await this.#vetImport(body, source, signal)
    const kid = draft.publicJwk.kid === undefined ? { kind: 'none' as const } : { kind: 'exact' as const, kid: String(draft.publicJwk.kid) }
    return await this.#commitAndDeploy(project, draft, kid, actor, 'jwk.create')
  }

  /** parse-from-key: the whole key when its copy in the environment has a private part, its public part when not. */
  async parseFromKey (project: NamedResource, body: ParseFromKeyBody, actor: Actor, signal?: AbortSignal): Promise<DeployedJwk> {
    const sourceType = await this.#keys.hasPrivate(project, body.keyName, body.environmentName) ? 'PRIVATE_KEY' : 'PUBLIC_KEY'
    return await this.create(project, { ...body, sourceType }, actor, signal)
  }

  #sourcesOf (project: NamedResource): SourceLookup {
    return {
      certificate: async (certificateName, environmentName) => {
        const certificate = await this.#store.certificates.findByName(project.id, certificateName)
        if (certificate === undefined) throw certificateNotFound(certificateName)
        const copy = certificate.copies.find(candidate => candidate.environmentName === environmentName)
        if (copy === undefined) throw new BadRequestError(`Certificate (name: ${certificateName}) is not deployed to environment (name: ${environmentName.slice(0, 64)})`)
        return { id: certificate.id, der: copy.der }
      },
      key: async (keyName, environmentName, part) => await this.#keys.jwkOf(project, keyName, environmentName, part),
      keystore: async (keystoreName, environmentName, aliasName) => await this.#keystores.jwkOf(project, keystoreName, environmentName, aliasName)
    }
  }

  /**
   * The draft of an imported key, once really imported. What a fetched
   * document holds is never told back: its refusals become the fetch's one
   * answer (the reason is logged).
   */
  async #vetImport (body: CreateJwkBody, source: ImportSource, signal?: AbortSignal): Promise<Draft> {
    try {
      const inspected = await this.#keygen.inspect(source.jwk, signal)
      if (!inspected.ok) throw new BadRequestError(`The key cannot be imported: ${inspected.reason}`)
      return draftImport(body, source, inspected.key, this.#clock())
    } catch (err) {
      if (source.sourceUrl === null || !(err instanceof BadRequestError)) throw err
      throw new FetchFailedError(new URL(source.sourceUrl).origin, `${source.sourceUrl}: ${err.message}`)
    }
  }

  /** Rename and/or redescribe; the key material and kid stay, the link to a source goes (as Apinizer documents); redeploys. */
  async update (project: NamedResource, name: string, body: UpdateJwkBody, actor: Actor): Promise<DeployedJwk> {
    const found = await this.#find(project, name, jwkNotFoundForUpdate)
    const { rotation, ...changes } = body
    const policy = rotation === undefined || rotation === null ? rotation : policyFor(found, rotation, 'rotation')
    let record: JwkRecord
    try {
      // Read again under the write lock: a delete, rename or master-key
      // rotation committed since the check above must not be written over.
      record = await this.#commitAudited(actor, 'jwk.update', project, async tx => {
        const updated = await tx.jwks.update(await this.#find(project, name, jwkNotFoundForUpdate, tx), changes)
        return policy === undefined ? updated : await applyPolicy(tx, updated, policy, this.#clock())
      })
    } catch (err) {
      if (err instanceof NameTakenError) throw new BadRequestError(`JWK (name: ${body.name}) is already exist!`)
      throw err
    }
    return { record, deploymentResult: await this.#deployAudited(actor, 'jwk.update', project, record) }
  }

  /** Remove, then undeploy; a snapshot left by a failing environment is removed by the next reconcile. */
  async delete (project: NamedResource, name: string, actor: Actor): Promise<DeployedJwk> {
    await this.#find(project, name)
    // Found again under the write lock: of two racing deletes, the second is a 404.
    const record = await this.#commitAudited(actor, 'jwk.delete', project, async tx => {
      const current = await this.#find(project, name, jwkNotFound, tx)
      await tx.jwks.delete(current.id)
      return current
    })
    await this.#store.purgeDeleted()
    return { record, deploymentResult: await this.#deployAudited(actor, 'jwk.delete', project, record, true) }
  }

  /**
   * Every key's item, or one page of them by name. A full page also says
   * where the next one starts; only a short page proves there is no more.
   */
  async list (project: NamedResource, page: ListPage = {}): Promise<{ items: JwkItem[], next?: string }> {
    const records = await this.#store.jwks.listByProject(project.id, page)
    const full = page.limit !== undefined && records.length === page.limit
    return { items: records.map(record => toItem(record, project)), next: full ? records[records.length - 1]!.name : undefined }
  }

  async #openPrivate (record: JwkRecord, publicOnly: boolean): Promise<Record<string, string> | undefined> {
    return publicOnly || record.sealedPrivate === null
      ? undefined
      : await this.#sealer.openJson<Record<string, string>>(record.sealedPrivate, jwkAdditionalData(record.id))
  }

  async get (project: NamedResource, name: string, options: { publicOnly: boolean }): Promise<JwkDetail> {
    const record = await this.#find(project, name)
    return toDetail(record, project, await this.#openPrivate(record, options.publicOnly))
  }

  /** The key alone, as a JWK Set document. */
  async exportSet (project: NamedResource, name: string, options: { publicOnly: boolean }): Promise<{ keys: Jwk[] }> {
    return { keys: [await this.#exportJwk(project, name, options)] }
  }

  /** The key as PEM: PKCS#8 with its private part, SPKI without (or with `publicOnly`). Symmetric keys have no PEM form. */
  async exportPem (project: NamedResource, name: string, options: { publicOnly: boolean }): Promise<{ pem: string, part: 'private' | 'public' }> {
    const jwk = await this.#exportJwk(project, name, options)
    if (jwk.kty === 'oct') throw new BadRequestError(`JWK (name: ${name}) is a symmetric (OCT) key: it has no PEM form; export it as a JWK Set`)
    return jwkToPem(jwk)
  }

  async #exportJwk (project: NamedResource, name: string, options: { publicOnly: boolean }): Promise<Jwk> {
    const record = await this.#find(project, name)
    const detail = toDetail(record, project, await this.#openPrivate(record, options.publicOnly))
    return detail[record.type.toLowerCase()] as Jwk
  }
}
