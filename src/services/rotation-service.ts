import { systemClock, type Clock } from '../clock.js'
import { splitJwk } from '../crypto/jwk.js'
import { timeKid } from '../crypto/kid.js'
import { jwkAdditionalData, jwkVersionAdditionalData } from '../crypto/sealer.js'
import type { Deployer } from '../deploy/deployer.js'
import { BadRequestError, jwkNotFound } from '../errors.js'
import type { KeygenPool } from '../pool/keygen-pool.js'
import type { DeploymentResult } from '../schemas/common.js'
import type { GenerateJwkBody } from '../schemas/generate.js'
import type { RotateBody } from '../schemas/rotation.js'
import { KidTakenError } from '../store/errors.js'
import type { VersionRecord } from '../store/jwk-versions.js'
import { withSuffix, type JwkRecord } from '../store/jwks.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import { describeDeployment } from './deployment-result.js'
import { planGeneration } from './generate-plan.js'
import type { Actor, DeployedJwk, SealingKey } from './jwk-service.js'
import { cannotRotate, erase, refusalOf, saveLifecycle, versionViews, versionsOf, type VersionAction, type VersionView } from './key-versions.js'
import { DEFAULT_VERIFICATION_TTL, durationMs, lifecycleEvents } from './rotation-schedule.js'

/** What a change needs of the key's project: the scheduler knows no more. */
export type ProjectRef = Pick<NamedResource, 'id' | 'name'>

/** The scheduler's name in the audit log. */
export const SCHEDULER_ACTOR: Actor = { tokenName: 'scheduler' }

/** New material for a version, made before the transaction (an RSA key takes a while). */
interface Material {
  publicJwk: JwkRecord['publicJwk']
  privateMembers: Record<string, string> | undefined
  thumbprint: string
  notBefore: string
  expiresAt: string
  /** a hash kid, already in the JWK */
  kid?: string
}

const iso = (ms: number): string => new Date(ms).toISOString()

export interface RotationServiceDeps {
  store: Store
  sealer: SealingKey
  keygen: KeygenPool
  deployer: Deployer
  clock?: Clock
}

/**
 * A key's life after it is made (docs/API.md, "Versions and rotation"):
 * rotate now, the scheduled rotation, state changes. Each change is one
 * transaction that reads the key again under its lock, so two instances
 * doing the same due rotation commit it once; then it is deployed.
 */
export class RotationService {
  readonly #store: Store
  readonly #sealer: SealingKey
  readonly #keygen: KeygenPool
  readonly #deployer: Deployer
  readonly #clock: Clock

  constructor (deps: RotationServiceDeps) {
    this.#store = deps.store
    this.#sealer = deps.sealer
    this.#keygen = deps.keygen
    this.#deployer = deps.deployer
    this.#clock = deps.clock ?? systemClock
  }

  async #find (project: ProjectRef, name: string, repositories: Repositories = this.#store): Promise<JwkRecord> {
    const record = await repositories.jwks.findByName(project.id, name)
    if (record === undefined) throw jwkNotFound(name)
    return record
  }

  async versions (project: ProjectRef, name: string): Promise<VersionView[]> {
    return await versionViews(await this.#find(project, name), this.#store)
  }

  /** New material with the key's own generation parameters. */
  async #newMaterial (record: JwkRecord, signal?: AbortSignal): Promise<Material> {
    const now = this.#clock()
    const { explicitKid: _explicit, ...parameters } = record.parameters
    const field = record.type.toLowerCase() as 'rsa' | 'ec' | 'oct' | 'okp'
    const validity = Date.parse(record.expiresAt) - Date.parse(record.notBefore)
    const body = {
      name: record.name,
      type: record.type,
      [field]: {
        ...parameters,
        ...(record.algorithm === null ? {} : { algorithm: record.algorithm }),
        notBeforeTime: now.toISOString(),
        expirationTime: iso(Math.floor(now.getTime() / 1000) * 1000 + validity)
      }
    } as unknown as GenerateJwkBody
    const plan = planGeneration(body, now)
    const generated = await this.#keygen.generate(plan.task, signal)
    const { publicJwk, privateMembers } = splitJwk(generated.jwk)
    return {
      publicJwk,
      privateMembers,
      thumbprint: generated.thumbprint,
      notBefore: plan.notBefore.toISOString(),
      expiresAt: plan.expiresAt.toISOString(),
      ...(publicJwk.kid === undefined ? {} : { kid: String(publicJwk.kid) })
    }
  }

  /** The new version's kid: the request's, the material's hash, or the first free time kid. */
  async #kidFor (tx: Repositories, record: JwkRecord, material: Material, requested: string | undefined): Promise<string> {
    if (requested !== undefined) {
      const holder = await tx.jwks.kidHolder(record.projectId, requested)
      if (holder !== undefined) throw new BadRequestError(`Key ID (kid: ${requested}) is already used by JWK (name: ${holder}) in this project; choose another kid`)
      return requested
    }
    if (material.kid !== undefined) return material.kid
    const type = record.parameters.keyIdType as 'TIMESTAMP' | 'ISO_DATE'
    const base = timeKid(type, record.keyUse === 'SIGNATURE' ? 'sig' : 'enc', Math.floor(this.#clock().getTime() / 1000))
    for (let suffix = 1; ; suffix++) {
      const kid = withSuffix(base, suffix)
      if (await tx.jwks.kidHolder(record.projectId, kid) === undefined) return kid
    }
  }

  #newVersion (record: JwkRecord, versions: VersionRecord[], material: Material, kid: string, state: 'PENDING' | 'ACTIVE', activatesAt: string): VersionRecord {
    return {
      jwkId: record.id,
      projectId: record.projectId,
      version: Math.max(0, ...versions.map(version => version.version)) + 1,
      kid,
      state,
      publicJwk: { ...material.publicJwk, kid },
      sealedPrivate: null,
      thumbprint: material.thumbprint,
      notBefore: material.notBefore,
      expiresAt: material.expiresAt,
      createdAt: this.#clock().toISOString(),
      activatesAt,
      retiredAt: null,
      verifyUntil: null,
      destroyedAt: null
    }
  }

  /**
   * `next` becomes the current version: its material moves into the key's
   * row (sealed under the key's id), the current one's out into its version
   * row (sealed under the version's), retired until now + `ttl`.
   */
  async #promote (tx: Repositories, record: JwkRecord, versions: VersionRecord[], next: VersionRecord, nextPrivate: Record<string, string> | undefined, ttl: string): Promise<JwkRecord> {
    const now = this.#clock()
    const current = versions.find(version => version.state === 'ACTIVE')!
    const currentPrivate = record.sealedPrivate === null ? undefined : await this.#sealer.openJson<Record<string, string>>(record.sealedPrivate, jwkAdditionalData(record.id), tx)
    current.state = 'RETIRED'
    current.retiredAt = now.toISOString()
    current.verifyUntil = iso(now.getTime() + durationMs(ttl))
    current.sealedPrivate = currentPrivate === undefined ? null : await this.#sealer.sealJson(currentPrivate, jwkVersionAdditionalData(record.id, current.version), tx)
    next.state = 'ACTIVE'
    next.sealedPrivate = null
    for (const version of versions) await tx.jwkVersions.save(version)
    return await saveLifecycle(tx, record, versions, {
      kid: next.kid,
      publicJwk: next.publicJwk!,
      sealedPrivate: nextPrivate === undefined ? null : await this.#sealer.sealJson(nextPrivate, jwkAdditionalData(record.id), tx),
      thumbprint: next.thumbprint,
      notBefore: next.notBefore,
      expiresAt: next.expiresAt
    }, now)
  }

  async #openVersion (tx: Repositories, version: VersionRecord): Promise<Record<string, string> | undefined> {
    return version.sealedPrivate === null ? undefined : await this.#sealer.openJson<Record<string, string>>(version.sealedPrivate, jwkVersionAdditionalData(version.jwkId, version.version), tx)
  }

  /** One audited transaction on the key, read again under its lock; `change` returns undefined when there is nothing (left) to do. */
  async #change (project: ProjectRef, name: string, actor: Actor, action: string, change: (tx: Repositories, record: JwkRecord, versions: VersionRecord[]) => Promise<{ record: JwkRecord, kid: string, action?: string } | undefined>): Promise<DeployedJwk | undefined> {
    const changed = await this.#store.commits.run(async tx => {
      const record = await this.#find(project, name, tx)
      const outcome = await change(tx, record, await versionsOf(record, tx))
      if (outcome !== undefined) {
        await tx.audit.append({ actor: actor.tokenName, action: outcome.action ?? action, project: project.name, jwkName: name, kid: outcome.kid, outcome: 'success', requestId: actor.requestId })
      }
      return outcome
    })
    if (changed === undefined) return undefined
    const { record } = changed
    const deploymentResult = describeDeployment(await this.#deployer.deploy(record, project.name), 'Deployment')
    if (!deploymentResult.success) {
      await this.#store.commits.run(async tx => await tx.audit.append({ actor: actor.tokenName, action: changed.action ?? action, project: project.name, jwkName: name, kid: changed.kid, outcome: `partial: ${deploymentResult.message}`, requestId: actor.requestId }))
    }
    return { record, deploymentResult }
  }

  /**
   * A new current version now, deployed before the answer. A version already
   * published ahead (PENDING) is the one made current: verifiers have it.
   */
  async rotate (project: ProjectRef, name: string, body: RotateBody, actor: Actor, signal?: AbortSignal): Promise<{ record: JwkRecord, deploymentResult: DeploymentResult }> {
    const found = await this.#find(project, name)
    const reason = cannotRotate(found)
    if (reason !== undefined) throw new BadRequestError(reason)
    const explicit = found.parameters.explicitKid !== undefined
    if (explicit && body.kid === undefined) throw new BadRequestError(`JWK (name: ${name}) was given its kid by a request: send the new version's kid in "kid"`)
    const pending = (await versionsOf(found, this.#store)).some(version => version.state === 'PENDING')
    if (pending && body.kid !== undefined) throw new BadRequestError(`JWK (name: ${name}) has a version published ahead; rotating makes it current, so "kid" cannot be chosen`)
    const material = pending ? undefined : await this.#newMaterial(found, signal)
    const ttl = body.verificationTtl ?? found.rotation?.verificationTtl ?? DEFAULT_VERIFICATION_TTL
    const done = await this.#change(project, name, actor, 'jwk.rotate', async (tx, record, versions) => {
      const waiting = versions.find(version => version.state === 'PENDING')
      if (waiting !== undefined) {
        const promoted = await this.#promote(tx, record, versions, waiting, await this.#openVersion(tx, waiting), ttl)
        return { record: promoted, kid: waiting.kid }
      }
      // A version published ahead meanwhile was not: the material made above is the next version.
      if (material === undefined) throw new BadRequestError(`JWK (name: ${name}) changed while it was being rotated; try again`)
      const next = this.#newVersion(record, versions, material, await this.#kidFor(tx, record, material, body.kid), 'ACTIVE', this.#clock().toISOString())
      versions.push(next)
      return { record: await this.#promote(tx, record, versions, next, material.privateMembers, ttl), kid: next.kid }
    }).catch((err: unknown) => {
      if (err instanceof KidTakenError) throw new BadRequestError(`Key ID (kid: ${err.kid}) is already used by another JWK or version in this project; choose another kid`)
      throw err
    })
    return done!
  }

  /** disable (RETIRED → DISABLED), enable (DISABLED → RETIRED), destroy (RETIRED or DISABLED → DESTROYED, material erased). */
  async changeState (project: ProjectRef, name: string, kid: string, action: VersionAction, actor: Actor): Promise<{ record: JwkRecord, deploymentResult: DeploymentResult }> {
    const done = await this.#change(project, name, actor, `jwk.version.${action}`, async (tx, record, versions) => {
      const version = versions.find(candidate => candidate.kid === kid)
      if (version === undefined) throw new BadRequestError(`JWK (name: ${name}) has no version with kid ${kid.slice(0, 255)}`)
      const refusal = refusalOf(action, version.state)
      if (refusal !== undefined) throw new BadRequestError(`Cannot ${action} version ${version.version} (kid: ${kid}) of JWK (name: ${name}): ${refusal}`)
      if (action === 'disable') version.state = 'DISABLED'
      else if (action === 'enable') version.state = 'RETIRED'
      else erase(version, this.#clock())
      await tx.jwkVersions.save(version)
      return { record: await saveLifecycle(tx, record, versions, {}, this.#clock()), kid }
    })
    return done!
  }

  /**
   * What the rules have due for one key by now: publish the next version,
   * make a pending one current, destroy retired ones beyond `retain`. Read
   * again under the key's lock: of two instances, the second finds it done.
   * @returns whether anything was done
   */
  async runDue (project: ProjectRef, name: string, signal?: AbortSignal): Promise<boolean> {
    const found = await this.#store.jwks.findByName(project.id, name)
    if (found?.nextEventAt == null || Date.parse(found.nextEventAt) > this.#clock().getTime()) return false
    const first = lifecycleEvents(found.rotation, await versionsOf(found, this.#store))[0]
    const material = first?.kind === 'publish' ? await this.#newMaterial(found, signal) : undefined
    const done = await this.#change(project, name, SCHEDULER_ACTOR, 'jwk.rotate', async (tx, record, versions) => {
      const now = this.#clock().getTime()
      const event = lifecycleEvents(record.rotation, versions)[0]
      if (event === undefined || event.at > now || record.revision !== found.revision) return undefined
      switch (event.kind) {
        case 'publish': {
          if (material === undefined) return undefined
          const current = versions.find(version => version.state === 'ACTIVE')!
          const policy = record.rotation!
          // Late (the scheduler was down) it is still published a whole publishAhead before it signs.
          const activatesAt = Math.max(Date.parse(current.activatesAt!) + durationMs(policy.period), now + durationMs(policy.publishAhead))
          const next = this.#newVersion(record, versions, material, await this.#kidFor(tx, record, material, undefined), 'PENDING', iso(activatesAt))
          if (material.privateMembers !== undefined) next.sealedPrivate = await this.#sealer.sealJson(material.privateMembers, jwkVersionAdditionalData(record.id, next.version), tx)
          await tx.jwkVersions.save(next)
          versions.push(next)
          return { record: await saveLifecycle(tx, record, versions, {}, this.#clock()), kid: next.kid, action: 'jwk.version.publish' }
        }
        case 'activate':
          return { record: await this.#promote(tx, record, versions, event.version, await this.#openVersion(tx, event.version), record.rotation?.verificationTtl ?? DEFAULT_VERIFICATION_TTL), kid: event.version.kid, action: 'jwk.rotate' }
        case 'destroy':
          erase(event.version, this.#clock())
          await tx.jwkVersions.save(event.version)
          return { record: await saveLifecycle(tx, record, versions, {}, this.#clock()), kid: event.version.kid, action: 'jwk.version.destroy' }
      }
    })
    return done !== undefined
  }
}
