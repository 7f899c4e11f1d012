import { X509Certificate } from 'node:crypto';
import { readCurrentSecretVersion } from '../../../functions/aws/secrets.js';
import { CLIENT_SECRET_PREFIX } from '../../../functions/core/pki/client-secret.js';
import { CachegateError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { vpnCertificateProblems } from '../../../functions/core/vpn/certificate-checks.js';
import type { StoreCertificate } from './store-certificate.js';

/** A Secrets Manager secret ARN; group 1 is its region. */
export const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:(.+)$/;

/** A Secrets Manager secret ARN (or a `cachegate/vpn-client/<cn>` name) and the region it names. */
export function parseClientSecretId(secretId: string, field: string): { secretId: string; region?: string } {
  const arn = SECRET_ARN.exec(secretId);
  if (arn) return { secretId, region: arn[1] as string };
  if (secretId.startsWith(CLIENT_SECRET_PREFIX) && secretId.length > CLIENT_SECRET_PREFIX.length) {
    return { secretId };
  }
  throw new ValidationError(
    `must be the ARN of a Secrets Manager secret (or its name ${CLIENT_SECRET_PREFIX}<cn>)`,
    field,
  );
}

interface StoredClientCertificate {
  certificatePem?: unknown;
  privateKeyPem?: unknown;
  caCertificatePem?: unknown;
}

/**
 * A client certificate issued by the issue-certificate workflow, from its secret
 * (`cachegate/vpn-client/<cn>`: `{certificatePem, privateKeyPem, caCertificatePem}`, AWSCURRENT),
 * checked for Client VPN use like a store certificate: issued by the CA stored with it, valid,
 * clientAuth, RSA-2048, the key matching. Revocation is the endpoint's CRL's business (the index
 * is in DynamoDB). Errors name the secret and the problem, never a value from it.
 */
export async function readSecretCertificate(options: {
  secretId: string;
  region?: string;
  expectedCn?: string;
  now: Date;
  field: string;
}): Promise<StoreCertificate> {
  let text: string | undefined;
  try {
    text = (await readCurrentSecretVersion(options.secretId, options.region))?.value;
  } catch (error) {
    throw new CachegateError(
      'SECRET_READ_FAILED',
      `GetSecretValue for ${options.secretId} failed (${(error as Error).name}); the caller needs secretsmanager:GetSecretValue on it`,
      { cause: error },
    );
  }
  if (text === undefined) {
    throw new NotFoundError(`secret ${options.secretId} does not exist (in this account and region)`);
  }
  const notOurs = new ValidationError(
    `secret ${options.secretId} is not a Client VPN certificate issued by cachegate (expected certificatePem, privateKeyPem and caCertificatePem)`,
    options.field,
  );
  let stored: StoredClientCertificate;
  try {
    stored = JSON.parse(text) as StoredClientCertificate;
  } catch {
    throw notOurs;
  }
  const { certificatePem, privateKeyPem, caCertificatePem } = stored ?? {};
  if (
    typeof certificatePem !== 'string' ||
    typeof privateKeyPem !== 'string' ||
    typeof caCertificatePem !== 'string'
  ) {
    throw notOurs;
  }
  const problems = vpnCertificateProblems({
    purpose: 'client',
    caPem: caCertificatePem,
    certPem: certificatePem,
    keyPem: privateKeyPem,
    now: options.now,
    caLabel: 'the CA stored with it',
  });
  if (problems.length > 0) {
    throw new ValidationError(
      `the certificate in ${options.secretId} cannot be used: ${problems.join('; ')}`,
      options.field,
    );
  }
  const cert = new X509Certificate(certificatePem);
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
  if (options.expectedCn !== undefined && options.expectedCn !== cn) {
    throw new ValidationError(
      `the certificate in ${options.secretId} is for CN "${cn}", not "${options.expectedCn}"`,
      'cn',
    );
  }
  return {
    cn,
    caPem: new X509Certificate(caCertificatePem).toString(),
    certPem: cert.toString(),
    keyPem: privateKeyPem,
  };
}
