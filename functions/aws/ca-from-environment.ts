import { CachegateError } from '../core/errors.js';
import { fromPem } from '../core/pki/pem.js';
import type { CaSigner } from '../core/pki/signer.js';
import { parseCertificate, type ParsedCertificate } from '../core/pki/x509.js';
import { kmsCaSigner } from './kms-ca-signer.js';
import { readPemSecret, secretsCaSigner } from './secrets-ca-signer.js';

export interface EnvironmentCaCertificate {
  readonly certificate: ParsedCertificate;
  readonly certificatePem: string;
}

export interface EnvironmentCa extends EnvironmentCaCertificate {
  readonly signer: CaSigner;
}

const NOT_CONFIGURED =
  'the CA is not configured: set CA_CERT_SECRET_ARN and CA_KMS_KEY_ARN (or CA_KEY_SECRET_ARN)';

/** One cached promise per environment value (the sandbox tests change the environment between suites). */
function cachedBy<T>(load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  let cached: Promise<T> | undefined;
  let cachedFor: string | undefined;
  return (key) => {
    if (cached && cachedFor === key) return cached;
    cachedFor = key;
    const promise = load(key);
    cached = promise;
    promise.catch(() => {
      if (cached === promise) cached = undefined;
    });
    return promise;
  };
}

const certificateFrom = cachedBy(async (certArn): Promise<EnvironmentCaCertificate> => {
  const certificatePem = await readPemSecret(certArn, 'CA certificate');
  const certificate = parseCertificate(
    fromPem(certificatePem, 'CERTIFICATE', 'CA certificate'),
    'CA certificate',
  );
  return { certificate, certificatePem };
});

// Pure: a bundle that reads only the certificate (a CRL check, the posture audit) then leaves
// both signers, and the KMS client, out.
const signerFrom = /* @__PURE__ */ cachedBy(async (key): Promise<CaSigner> => {
  const [kind, arn] = key.split('|', 2) as ['kms' | 'secret', string];
  return kind === 'kms' ? kmsCaSigner(arn) : secretsCaSigner(arn);
});

/**
 * The CA certificate alone, from the secret CA_CERT_SECRET_ARN: what the Lambdas that only check
 * a CRL's issuer and signature need (they are granted that secret and nothing of the key).
 */
export function caCertificateFromEnvironment(): Promise<EnvironmentCaCertificate> {
  const certArn = process.env.CA_CERT_SECRET_ARN;
  if (!certArn) {
    return Promise.reject(
      new CachegateError('CA_NOT_CONFIGURED', 'the CA is not configured: set CA_CERT_SECRET_ARN'),
    );
  }
  return certificateFrom(certArn);
}

/** The CA signer: the KMS key CA_KMS_KEY_ARN, or else a PEM key in the secret CA_KEY_SECRET_ARN. */
export function caSignerFromEnvironment(): Promise<CaSigner> {
  const { CA_KMS_KEY_ARN: keyArn, CA_KEY_SECRET_ARN: keySecretArn } = process.env;
  if (keyArn) return signerFrom(`kms|${keyArn}`);
  if (keySecretArn) return signerFrom(`secret|${keySecretArn}`);
  return Promise.reject(new CachegateError('CA_NOT_CONFIGURED', NOT_CONFIGURED));
}

/**
 * The CA a Lambda signs with, from its environment (set by infra/constructs/certificate-authority.ts
 * and client-vpn-crl.ts): the CA certificate PEM in the Secrets Manager secret CA_CERT_SECRET_ARN,
 * and the signer: the KMS key CA_KMS_KEY_ARN, or else a PEM key in the secret CA_KEY_SECRET_ARN.
 * Resolved once per process (and again if the environment changes, as between sandbox tests).
 */
export async function caFromEnvironment(): Promise<EnvironmentCa> {
  const {
    CA_CERT_SECRET_ARN: certArn,
    CA_KMS_KEY_ARN: keyArn,
    CA_KEY_SECRET_ARN: keySecretArn,
  } = process.env;
  if (!certArn || (!keyArn && !keySecretArn)) throw new CachegateError('CA_NOT_CONFIGURED', NOT_CONFIGURED);
  const [ca, signer] = await Promise.all([caCertificateFromEnvironment(), caSignerFromEnvironment()]);
  return { ...ca, signer };
}
