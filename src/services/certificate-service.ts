import { CertificateError, describeCertificate, readPemCertificate } from '../crypto/certificate.js'
import { BadRequestError, certificateNotFound, projectNotFound } from '../errors.js'
import type { DeploymentResult } from '../schemas/common.js'
import { isPrintableText } from '../schemas/common.js'
import { AliasTakenError, type CertificateRecord } from '../store/certificates.js'
import { NameTakenError, ProjectGoneError } from '../store/errors.js'
import type { NamedResource } from '../store/named-resources.js'
import type { Repositories, Store } from '../store/store.js'
import { commitAudited } from './audited-commit.js'
import { describeDeployment } from './deployment-result.js'
import { refuseReferencedJwksUpdate, type SourceUpdateOptions } from './source-update.js'
import { safeFileName } from '../files/file-name.js'
import { zip } from '../files/zip.js'
import type { Actor } from './jwk-service.js'

/** The project whose certificates make up each environment's truststore, as in Apinizer. */
export const ADMIN_PROJECT = 'admin'
export const TRUSTSTORE_PATH = 'truststore'

/** The form Apinizer's create and update take (multipart fields, the file as text). */
export interface CertificateForm {
  certificateName?: string
  alias?: string
  certificateDescription?: string
  environmentList?: string
  pemEncodedFile?: string
}

export interface CertificateView {
  name: string
  description: string
  projectId: string
  certificateEnvironmentList: Array<{
    environmentName: string
    startDate: string
    endDate: string
    base64EncodedContent?: string
    sha1Thumbprint: string
    subjectDn: string
    alias: string
  }>
}

const required = (form: CertificateForm, field: keyof CertificateForm): string => {
  const value = form[field]
  if (value === undefined || value.trim() === '') throw new BadRequestError(`${field} value can not be empty!`)
  return value
}

function view (record: CertificateRecord, withContent: boolean): CertificateView {
  return {
    name: record.name,
    description: record.description,
    projectId: record.projectId,
    certificateEnvironmentList: record.copies.map(copy => {
      const { der, ...facts } = describeCertificate(copy.der)
      return { environmentName: copy.environmentName, ...facts, ...(withContent ? { base64EncodedContent: der.toString('base64') } : {}), alias: copy.alias }
    })
  }
}

/**
 * Certificates of a project, one copy per environment it is deployed to.
 * A copy is deployed when it is durable in the database: jwkd's environments
 * serve JWK Sets, and JWKs made from a certificate carry it (docs/API.md, "Certificates").
 */
export class CertificateService {
  readonly #store: Store

  constructor (store: Store) {
    this.#store = store
  }

  async list (project: NamedResource): Promise<CertificateView[]> {
    return (await this.#store.certificates.listByProject(project.id)).map(record => view(record, false))
  }

  /**
   * An environment's truststore: the admin project's certificates deployed to it, with their content.
   * Apinizer keeps the truststore in its admin project; other projects are refused.
   */
  async truststore (project: NamedResource, environmentName: string): Promise<CertificateView[]> {
    if (project.name !== ADMIN_PROJECT) throw new BadRequestError(`Truststore certificates are only available in the ${ADMIN_PROJECT} project!`)
    if (environmentName.trim() === '') throw new BadRequestError('environmentName value can not be empty!')
    const environment = await this.#store.environments.findByName(environmentName)
    if (environment === undefined) throw new BadRequestError(`Environment (${environmentName.slice(0, 64)}) is not found or user does not have privilege to access it!`)
    return (await this.#store.certificates.listByProject(project.id))
      .map(record => ({ ...record, copies: record.copies.filter(copy => copy.environmentId === environment.id) }))
      .filter(record => record.copies.length > 0)
      .map(record => view(record, true))
  }

  async get (project: NamedResource, name: string): Promise<CertificateView> {
    return view(await this.#find(project, name), true)
  }

  /** Apinizer's export: a ZIP of one DER `.cer` per environment, named `<certificate>-<environment>.cer`. */
  async exportZip (project: NamedResource, name: string): Promise<Buffer> {
    const record = await this.#find(project, name)
    return zip(record.copies.map(copy => ({ name: safeFileName(`${name}-${copy.environmentName}`, 'cer'), data: copy.der })), new Date(record.updatedAt))
  }

  async #find (project: NamedResource, name: string, repositories: Repositories = this.#store): Promise<CertificateRecord> {
    const record = await repositories.certificates.findByName(project.id, name)
    if (record === undefined) throw certificateNotFound(name)
    return record
  }

  /** The form checked in Apinizer's order, the file read, the environments found. */
  async #read (project: NamedResource, form: CertificateForm, name: string): Promise<{ description: string, alias: string, der: Buffer, environments: NamedResource[] }> {
    const alias = required(form, 'alias')
    if (!isPrintableText(alias, 255)) throw new BadRequestError('alias must be printable text of 1 to 255 characters')
    const description = form.certificateDescription ?? ''
    if (description.length > 1024) throw new BadRequestError('certificateDescription must be at most 1024 characters')
    const pem = required(form, 'pemEncodedFile')
    const names = [...new Set(required(form, 'environmentList').split(',').map(environment => environment.trim()).filter(environment => environment !== ''))]
    if (names.length === 0) throw new BadRequestError('environmentList value can not be empty!')
    const environments: NamedResource[] = []
    for (const environmentName of names) {
      const environment = await this.#store.environments.findByName(environmentName)
      if (environment === undefined) throw new BadRequestError(`Environment (name: ${environmentName.slice(0, 64)}) is not found!`)
      environments.push(environment)
    }
    let der: Buffer
    try {
      der = readPemCertificate(pem)
    } catch (err) {
      if (err instanceof CertificateError) throw new BadRequestError(err.message)
      throw err
    }
    if (!isPrintableText(name, 255)) throw new BadRequestError('certificateName must be printable text of 1 to 255 characters')
    // …/certificates/truststore/export would be the truststore of an environment named export, never this certificate's export.
    if (name === TRUSTSTORE_PATH) throw new BadRequestError(`certificateName ${TRUSTSTORE_PATH} is reserved for the truststore pages`)
    return { description, alias, der, environments }
  }

  async create (project: NamedResource, form: CertificateForm, actor: Actor): Promise<DeploymentResult> {
    const name = required(form, 'certificateName')
    const { description, alias, der, environments } = await this.#read(project, form, name)
    const copies = environments.map(environment => ({ environmentId: environment.id, alias, der }))
    await this.#commit(project, name, actor, 'certificate.create', async tx =>
      await tx.certificates.insert({ projectId: project.id, name, description, copies }), alias)
    return describeDeployment(environments.map(environment => ({ environmentName: environment.name })), 'Deployment')
  }

  /** Apinizer: the old certificate goes and the new one comes; the name (in the path) stays. */
  async update (project: NamedResource, name: string, form: CertificateForm, actor: Actor, options: SourceUpdateOptions = {}): Promise<DeploymentResult> {
    await this.#find(project, name)
    refuseReferencedJwksUpdate(options, 'certificate')
    const { description, alias, der, environments } = await this.#read(project, form, name)
    const copies = environments.map(environment => ({ environmentId: environment.id, alias, der }))
    await this.#commit(project, name, actor, 'certificate.update', async tx =>
      await tx.certificates.replace((await this.#find(project, name, tx)).id, { projectId: project.id, name, description, copies }), alias)
    return describeDeployment(environments.map(environment => ({ environmentName: environment.name })), 'Deployment')
  }

  /** Removes it from every environment; JWKs made from it keep their key and lose the link (their sourceId). */
  async delete (project: NamedResource, name: string, actor: Actor): Promise<DeploymentResult> {
    await this.#find(project, name)
    const removed = await this.#commit(project, name, actor, 'certificate.delete', async tx => {
      const current = await this.#find(project, name, tx)
      await tx.jwks.detachFromSource(current.id)
      await tx.certificates.delete(current.id)
      return current
    })
    await this.#store.purgeDeleted()
    return describeDeployment(removed.copies.map(copy => ({ environmentName: copy.environmentName })), 'Undeployment')
  }

  async #commit (project: NamedResource, name: string, actor: Actor, action: string, change: (tx: Repositories) => Promise<CertificateRecord>, alias?: string): Promise<CertificateRecord> {
    try {
      return await commitAudited(this.#store, { actor, action, project, name }, change)
    } catch (err) {
      if (err instanceof NameTakenError) throw new BadRequestError(`Certificate (name: ${name}) is already exist!`)
      if (err instanceof AliasTakenError) throw new BadRequestError(`Alias (${alias ?? err.alias}) is already used for another certificate, try changing this value!`)
      if (err instanceof ProjectGoneError) throw projectNotFound(project.name)
      throw err
    }
  }
}
