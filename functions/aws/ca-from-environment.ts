import { CachegateError } from '../core/errors.js';
import { fromPem } from '../core/pki/pem.js';
import type { CaSigner } from '../core/pki/signer.js';
import { parseCertificate, type ParsedCertificate } from '../core/pki/x509.js';
import { kmsCaSigner } from './kms-ca-signer.js';
import { readPemSecret, secretsCaSigner } from './secrets-ca-signer.js';

export interface EnvironmentCa {
  readonly certificate: ParsedCertificate;
  readonly certificatePem: string;
  readonly signer: CaSigner;
}

let cached: Promise<EnvironmentCa> | undefined;
let cachedFor: string | undefined;

/**
 * The CA a Lambda signs with, from its environment (set by infra/constructs/certificate-authority.ts):
 * the CA certificate PEM in the Secrets Manager secret CA_CERT_SECRET_ARN, and the signer:
 * the KMS key CA_KMS_KEY_ARN, or else a PEM key in the secret CA_KEY_SECRET_ARN. Resolved once
 * per process (and again if the environment changes, as between sandbox tests).
 */
export function caFromEnvironment(): Promise<EnvironmentCa> {
  const {
    CA_CERT_SECRET_ARN: certArn,
    CA_KMS_KEY_ARN: keyArn,
    CA_KEY_SECRET_ARN: keySecretArn,
  } = process.env;
  const key = `${certArn}|${keyArn}|${keySecretArn}`;
  if (cached && cachedFor === key) return cached;
  if (!certArn || (!keyArn && !keySecretArn)) {
    throw new CachegateError(
      'CA_NOT_CONFIGURED',
      'the CA is not configured: set CA_CERT_SECRET_ARN and CA_KMS_KEY_ARN (or CA_KEY_SECRET_ARN)',
    );
  }
  cachedFor = key;
  cached = (async () => {
    const certificatePem = await readPemSecret(certArn, 'CA certificate');
    const certificate = parseCertificate(
      fromPem(certificatePem, 'CERTIFICATE', 'CA certificate'),
      'CA certificate',
    );
    const signer = keyArn ? kmsCaSigner(keyArn) : await secretsCaSigner(keySecretArn as string);
    return { certificate, certificatePem, signer };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
