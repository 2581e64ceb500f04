import { X509Certificate, createHash } from 'node:crypto'
import type { Jwk } from './jwk.js'

/** What jwkd reads off an X.509 certificate (docs/API.md, "Certificates"). */
export interface CertificateFacts {
  der: Buffer
  /** RFC 4514-like: the subject's attributes, comma-separated, in the certificate's order */
  subjectDn: string
  startDate: string
  endDate: string
  /** hex, upper case, as Apinizer shows it */
  sha1Thumbprint: string
}

export class CertificateError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CertificateError'
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]+?)-----END \1-----/g

/** The one certificate of a PEM file: exactly one CERTIFICATE block, which X509Certificate can read. */
export function readPemCertificate (text: string): Buffer {
  const blocks = [...text.matchAll(PEM_BLOCK)]
  const certificates = blocks.filter(block => block[1] === 'CERTIFICATE')
  if (certificates.length === 0) {
    throw new CertificateError(blocks.length === 0
      ? 'pemEncodedFile holds no PEM block; it must hold one certificate between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE-----'
      : `pemEncodedFile holds a ${blocks[0]![1]} block, not a CERTIFICATE`)
  }
  if (certificates.length > 1) throw new CertificateError(`pemEncodedFile holds ${certificates.length} certificates; upload one certificate per file`)
  const der = Buffer.from(certificates[0]![2]!.replace(/\s+/g, ''), 'base64')
  describeCertificate(der)
  return der
}

function parse (der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der)
  } catch {
    throw new CertificateError('pemEncodedFile is not a readable X.509 certificate')
  }
}

export function describeCertificate (der: Buffer): CertificateFacts {
  const certificate = parse(der)
  return {
    der,
    subjectDn: certificate.subject.split('\n').join(', '),
    startDate: new Date(certificate.validFrom).toISOString(),
    endDate: new Date(certificate.validTo).toISOString(),
    sha1Thumbprint: certificate.fingerprint.replaceAll(':', '')
  }
}

/**
 * The certificate's public key as JWK members, with the certificate itself
 * (`x5c`, RFC 7517 §4.7) and its SHA-256 thumbprint (`x5t#S256`), valid for as
 * long as the certificate is. The key comes from the certificate, never from
 * a key generation job (see generate-jwk.ts), so exporting it is safe.
 */
export function certificateJwk (der: Buffer): Jwk {
  const certificate = parse(der)
  const members = certificate.publicKey.export({ format: 'jwk' }) as Jwk
  return {
    ...members,
    // An array of base64 DER (not base64url), leaf first: RFC 7517 §4.7.
    x5c: [der.toString('base64')] as never,
    'x5t#S256': createHash('sha256').update(der).digest('base64url'),
    nbf: Math.floor(Date.parse(certificate.validFrom) / 1000),
    exp: Math.floor(Date.parse(certificate.validTo) / 1000)
  }
}
