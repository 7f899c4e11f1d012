import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CertIndexEntry } from '../pki/cert-index.js';
import { parseSerial } from '../pki/ca-operations.js';

const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' } as const;

export type VpnCertificatePurpose = keyof typeof EKU;

export interface VpnCertificateInput {
  readonly purpose: VpnCertificatePurpose;
  readonly caPem: string;
  readonly certPem: string;
  /** Omitted when the key is not ours to check (never read when absent). */
  readonly keyPem?: string;
  /** The store's index; omitted where it is not at hand (revocation is then not checked here). */
  readonly index?: readonly CertIndexEntry[];
  readonly now: Date;
  /** How messages name the CA. Default: "this store's CA". */
  readonly caLabel?: string;
}

/**
 * Why a certificate cannot be used for Client VPN, or nothing. Checked before anything is staged
 * for ACM or written into a profile: a wrong certificate found at deploy time (ACM import) or at
 * connect time (TLS failure on every laptop) costs far more than a refusal here.
 * Messages name the problem, never key material.
 */
export function vpnCertificateProblems(input: VpnCertificateInput): string[] {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(input.certPem);
    ca = new X509Certificate(input.caPem);
  } catch {
    return ['the certificate or the CA certificate is not a valid PEM X.509 certificate'];
  }
  const problems: string[] = [];
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    problems.push(`it was not issued by ${input.caLabel ?? "this store's CA"}`);
  }
  if (input.index !== undefined) {
    const serial = parseSerial(cert.serialNumber);
    const entry = input.index.find((e) => e.serial === serial);
    if (entry === undefined) problems.push(`serial ${serial} is not in the store's index.txt`);
    else if (entry.status === 'R') problems.push(`serial ${serial} is revoked`);
  }
  if (new Date(cert.validTo).getTime() <= input.now.getTime()) problems.push(`it expired on ${cert.validTo}`);
  if (new Date(cert.validFrom).getTime() > input.now.getTime())
    problems.push(`it is not valid before ${cert.validFrom}`);
  const usages = cert.keyUsage ?? [];
  if (!usages.includes(EKU[input.purpose])) {
    problems.push(
      `it lacks the ${input.purpose === 'server' ? 'serverAuth' : 'clientAuth'} extended key usage (a ${input.purpose} certificate is needed)`,
    );
  }
  const details = cert.publicKey.asymmetricKeyDetails;
  if (cert.publicKey.asymmetricKeyType !== 'rsa' || details?.modulusLength !== 2048) {
    problems.push('its key is not RSA-2048 (what Client VPN accepts)');
  }
  if (input.keyPem !== undefined) {
    const keyProblem = privateKeyProblem(cert, input.keyPem);
    if (keyProblem !== undefined) problems.push(keyProblem);
  }
  return problems;
}

function privateKeyProblem(cert: X509Certificate, keyPem: string): string | undefined {
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return 'the private key is not a readable unencrypted PEM key';
  }
  return matches ? undefined : 'the private key does not match the certificate';
}
