import { createPublicKey, randomUUID } from 'node:crypto';
import { InvalidArnException, ResourceNotFoundException, ValidationException } from '@aws-sdk/client-acm';
import { fromPem } from '../../../functions/core/pki/pem.js';
import { parseCertificate, type ParsedCertificate } from '../../../functions/core/pki/x509.js';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';

/** Where Client VPN looks up the certificates behind the ARNs it is given (the EC2 model uses it). */
export interface CertificateDirectory {
  /** Registers a certificate without its key (sandbox set-up only) and returns its ARN. */
  adopt(pem: string, chainPem?: string): string;
  certificatePem(arn: string): string | undefined;
  chainPem(arn: string): string | undefined;
}

interface StoredCertificate {
  arn: string;
  pem: string;
  chainPem: string | undefined;
  parsed: ParsedCertificate;
  importedAt: number;
  /** How many times the ARN was imported (1 = never re-imported). */
  imports: number;
}

const ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
/** ACM refuses private keys larger than 5 KB (ImportCertificate documentation). */
const MAX_PRIVATE_KEY_BYTES = 5120;

const text = (blob: unknown): string =>
  typeof blob === 'string' ? blob : Buffer.from(blob as Uint8Array).toString('utf8');

/**
 * AWS Certificate Manager, the part Client VPN uses: ImportCertificate (new, or a re-import that
 * replaces the certificate behind an existing ARN) and DescribeCertificate. It checks what the
 * ImportCertificate reference lists: PEM material, an unencrypted key of at most 5 KB that
 * matches the certificate, the current time between NotBefore and NotAfter. Errors are the ones
 * the SDK declares for each command (InvalidArnException, ResourceNotFoundException,
 * ValidationException); which of them AWS uses for a mismatched key or an expired certificate is
 * not documented, ValidationException is an assumption.
 */
export class AcmModel implements ServiceModel, CertificateDirectory {
  readonly serviceId = 'ACM';
  private readonly certificates = new Map<string, StoredCertificate>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly region = 'us-east-1',
    private readonly accountId = '000000000000',
  ) {}

  adopt(pem: string, chainPem?: string): string {
    const parsed = parseCertificate(fromPem(pem, 'CERTIFICATE', 'certificate'));
    if (chainPem !== undefined) parseCertificate(fromPem(chainPem, 'CERTIFICATE', 'certificate chain'));
    const arn = this.newArn();
    this.certificates.set(arn, { arn, pem, chainPem, parsed, importedAt: this.clock.nowMs(), imports: 1 });
    return arn;
  }

  certificatePem(arn: string): string | undefined {
    return this.certificates.get(arn)?.pem;
  }

  chainPem(arn: string): string | undefined {
    return this.certificates.get(arn)?.chainPem;
  }

  /** How many times the ARN was imported (tests: a re-import counts, a new ARN does not). */
  importCount(arn: string): number {
    return this.certificates.get(arn)?.imports ?? 0;
  }

  /** Every ARN this account holds. */
  arns(): string[] {
    return [...this.certificates.keys()];
  }

  readonly commands = {
    ImportCertificate: (input: {
      CertificateArn?: string;
      Certificate?: Uint8Array | string;
      PrivateKey?: Uint8Array | string;
      CertificateChain?: Uint8Array | string;
    }) => {
      if (input.Certificate === undefined) throw invalid('Certificate is required');
      if (input.PrivateKey === undefined) throw invalid('PrivateKey is required');
      const previous = input.CertificateArn === undefined ? undefined : this.find(input.CertificateArn);
      const pem = text(input.Certificate);
      const keyPem = text(input.PrivateKey);
      const chainPem = input.CertificateChain === undefined ? undefined : text(input.CertificateChain);
      let parsed: ParsedCertificate;
      try {
        parsed = parseCertificate(fromPem(pem, 'CERTIFICATE', 'certificate'));
        if (chainPem !== undefined) parseCertificate(fromPem(chainPem, 'CERTIFICATE', 'certificate chain'));
      } catch {
        throw invalid('The certificate or its chain is not a PEM-encoded X.509 certificate');
      }
      if (Buffer.byteLength(keyPem) > MAX_PRIVATE_KEY_BYTES)
        throw invalid('The private key is larger than 5 KB');
      let keySpki: Buffer;
      try {
        keySpki = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
      } catch {
        throw invalid('The private key is not a PEM-encoded unencrypted private key');
      }
      if (!keySpki.equals(parsed.spki)) throw invalid('The private key does not match the certificate');
      const now = this.clock.nowMs();
      if (now < parsed.notBefore.getTime() || now > parsed.notAfter.getTime()) {
        throw invalid(
          'The certificate is not valid now: the current time must be between NotBefore and NotAfter',
        );
      }
      const arn = previous?.arn ?? this.newArn();
      this.certificates.set(arn, {
        arn,
        pem,
        chainPem,
        parsed,
        importedAt: now,
        imports: (previous?.imports ?? 0) + 1,
      });
      return { CertificateArn: arn };
    },

    DescribeCertificate: (input: { CertificateArn?: string }) => {
      const stored = this.find(input.CertificateArn);
      const { parsed } = stored;
      const expired = this.clock.nowMs() > parsed.notAfter.getTime();
      return {
        Certificate: {
          CertificateArn: stored.arn,
          DomainName: parsed.commonName,
          Serial: (parsed.serial.match(/../g) ?? []).join(':').toLowerCase(),
          ImportedAt: new Date(stored.importedAt),
          NotBefore: parsed.notBefore,
          NotAfter: parsed.notAfter,
          Status: expired ? 'EXPIRED' : 'ISSUED',
          Type: 'IMPORTED',
          KeyAlgorithm: 'RSA_2048',
        },
      };
    },
  };

  private find(arn: string | undefined): StoredCertificate {
    if (arn === undefined) throw invalid('CertificateArn is required');
    if (!ARN.test(arn)) throw serviceFault(InvalidArnException, `String '${arn}' is not a valid ARN`);
    const stored = this.certificates.get(arn);
    if (!stored) throw serviceFault(ResourceNotFoundException, `Could not find certificate ${arn}.`);
    return stored;
  }

  private newArn(): string {
    return `arn:aws:acm:${this.region}:${this.accountId}:certificate/${randomUUID()}`;
  }
}

const invalid = (message: string) => serviceFault(ValidationException, message);
