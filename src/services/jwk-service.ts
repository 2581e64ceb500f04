import { randomUUID } from 'node:crypto'
import { splitJwk } from '../crypto/jwk.js'
import { timeKid } from '../crypto/kid.js'
import { jwkAdditionalData, type Sealer } from '../crypto/sealer.js'
import type { Deployer } from '../deploy/deployer.js'
import { BadRequestError, jwkNotFound } from '../errors.js'
import type { KeygenPool } from '../pool/keygen-pool.js'
import type { DeploymentResult } from '../schemas/common.js'
import type { GenerateJwkBody } from '../schemas/generate.js'
import { KidTakenError, NameTakenError } from '../store/errors.js'
import type { JwkRecord, KidAssignment } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Store } from '../store/store.js'
import { planGeneration, type GenerationPlan } from './generate-plan.js'
import { toDetail, toItem, type JwkItem } from './jwk-view.js'

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
  sealer: Sealer
  keygen: KeygenPool
  deployer: Deployer
  /** the time keys are issued at; tests pin it to make time-based kids collide on purpose */
  clock?: () => Date
}

const nameTaken = (name: string): BadRequestError =>
  new BadRequestError(`JWK (name: ${name}) is already exist! Try update operation if want to change its value.`)

const kidTaken = (kid: string, holder: string): BadRequestError =>
  new BadRequestError(`Key ID (kid: ${kid}) is already used by JWK (name: ${holder}) in this project; choose another kid`)

function kidAssignment (plan: GenerationPlan, iat: number, kid: string | number | undefined): KidAssignment {
  if (plan.timeKid !== undefined) return { kind: 'first-free', base: timeKid(plan.timeKid, plan.task.use, iat) }
  return kid === undefined ? { kind: 'none' } : { kind: 'exact', kid: String(kid) }
}

export class JwkService {
  readonly #store: Store
  readonly #sealer: Sealer
  readonly #keygen: KeygenPool
  readonly #deployer: Deployer
  readonly #clock: () => Date

  constructor (deps: JwkServiceDeps) {
    this.#store = deps.store
    this.#sealer = deps.sealer
    this.#keygen = deps.keygen
    this.#deployer = deps.deployer
    this.#clock = deps.clock ?? (() => new Date())
  }

  /** Validate, generate in the pool, seal, commit, deploy everywhere: SPEC §4. */
  async generate (project: NamedResource, body: GenerateJwkBody, actor: Actor, signal?: AbortSignal): Promise<DeployedJwk> {
    const plan = planGeneration(body, this.#clock())
    // Cheap early answers; the insert transaction re-checks both under its lock.
    if (this.#store.jwks.nameHolder(project.id, body.name)) throw nameTaken(body.name)
    const holder = body.kid === undefined ? undefined : this.#store.jwks.kidHolder(project.id, body.kid)
    if (holder !== undefined) throw kidTaken(body.kid as string, holder)

    const generated = await this.#keygen.generate(plan.task, signal)
    const id = randomUUID()
    const { publicJwk, privateMembers } = splitJwk(generated.jwk)
    const now = new Date().toISOString()
    let record: JwkRecord
    try {
      record = this.#store.jwks.insert({
        id,
        projectId: project.id,
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
        sealedPrivate: this.#sealer.sealJson(privateMembers, jwkAdditionalData(id)),
        thumbprint: generated.thumbprint,
        notBefore: plan.notBefore.toISOString(),
        expiresAt: plan.expiresAt.toISOString(),
        createdAt: now
      }, kidAssignment(plan, plan.task.iat, publicJwk.kid))
    } catch (err) {
      if (err instanceof NameTakenError) throw nameTaken(body.name)
      if (err instanceof KidTakenError) throw kidTaken(err.kid, err.holder)
      throw err
    }
    const deploymentResult = await this.#deployer.deploy(record, project.name)
    this.#store.audit.append({
      actor: actor.tokenName,
      action: 'jwk.generate',
      project: project.name,
      jwkName: record.name,
      kid: record.kid,
      outcome: deploymentResult.success ? 'success' : 'stored; ' + deploymentResult.message,
      requestId: actor.requestId
    })
    return { record, deploymentResult }
  }

  list (project: NamedResource): JwkItem[] {
    return this.#store.jwks.listByProject(project.id).map(record => toItem(record, project))
  }

  get (project: NamedResource, name: string, options: { publicOnly: boolean }): ReturnType<typeof toDetail> {
    const record = this.#store.jwks.findByName(project.id, name)
    if (record === undefined) throw jwkNotFound(name)
    const privateMembers = options.publicOnly || record.sealedPrivate === null
      ? undefined
      : this.#sealer.openJson<Record<string, string>>(record.sealedPrivate, jwkAdditionalData(record.id))
    return toDetail(record, project, privateMembers)
  }
}
