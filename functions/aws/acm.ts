import {
  ACMClient,
  DescribeCertificateCommand,
  ImportCertificateCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-acm';
import { createAwsClient } from './clients.js';

let client: ACMClient | undefined;
const acm = () => (client ??= createAwsClient(ACMClient, {}));

/** What cachegate reads of an ACM certificate: never the key (ACM does not return it anyway). */
export interface AcmCertificate {
  arn: string;
  /** Hex serial as ACM prints it (`0a:1b:...`), lower case. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  /** `ISSUED`, `EXPIRED`, ... */
  status: string;
}

/** The certificate behind `arn`; undefined when ACM does not know it. */
export async function describeCertificate(arn: string): Promise<AcmCertificate | undefined> {
  try {
    const { Certificate: c } = await acm().send(new DescribeCertificateCommand({ CertificateArn: arn }));
    if (!c?.NotAfter || !c.NotBefore) return undefined;
    return {
      arn: c.CertificateArn ?? arn,
      serial: (c.Serial ?? '').toLowerCase(),
      notBefore: c.NotBefore,
      notAfter: c.NotAfter,
      status: c.Status ?? 'unknown',
    };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Imports a certificate with its key and chain (PEM). With `certificateArn` it replaces the
 * certificate behind that ARN (ACM's re-import): every service that uses the ARN, such as a
 * Client VPN endpoint, serves the new certificate without being touched.
 */
export async function importCertificate(request: {
  certificateArn?: string;
  certificatePem: string;
  privateKeyPem: string;
  chainPem: string;
}): Promise<string> {
  const { CertificateArn } = await acm().send(
    new ImportCertificateCommand({
      ...(request.certificateArn ? { CertificateArn: request.certificateArn } : {}),
      Certificate: Buffer.from(request.certificatePem),
      PrivateKey: Buffer.from(request.privateKeyPem),
      CertificateChain: Buffer.from(request.chainPem),
    }),
  );
  return CertificateArn ?? request.certificateArn ?? '';
}
