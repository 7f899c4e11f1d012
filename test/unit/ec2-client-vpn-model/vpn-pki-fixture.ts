import { randomBytes } from 'node:crypto';
import { issueCertificate, revokeCertificate } from '../../../functions/core/pki/ca-operations.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import { buildCrl } from '../../../functions/core/pki/crl-encode.js';
import { toPem } from '../../../functions/core/pki/pem.js';
import { caKeyId } from '../../../functions/core/pki/x509.js';
import { createTestCa, type TestCa } from '../pki/ca-fixture.js';

/** A CA with an in-memory index: issues client certificates and builds CRLs for sandbox tests. */
export class TestPki {
  index: CertIndexEntry[] = [];
  private crlNumber = 1n;
  private readonly spki = generateRsaKey().publicKey.export({ type: 'spki', format: 'der' });

  private constructor(readonly ca: TestCa) {}

  static async create(commonName = 'VPN Test CA'): Promise<TestPki> {
    return new TestPki(await createTestCa(commonName, new Date(Date.now() - 86_400_000)));
  }

  get caPem(): string {
    return toPem('CERTIFICATE', this.ca.cert.der);
  }

  async issue(commonName: string, now: Date, days = 365): Promise<{ pem: string; serial: string }> {
    const result = await issueCertificate({
      ca: this.ca.cert,
      index: this.index,
      commonName,
      profile: 'client',
      spki: this.spki,
      now,
      days,
      signer: this.ca.signer,
      random: randomBytes,
    });
    this.index = result.index;
    return { pem: toPem('CERTIFICATE', result.certificate), serial: result.entry.serial };
  }

  revoke(commonName: string, now: Date): string {
    const { entry, index } = revokeCertificate({ index: this.index, commonName, now });
    this.index = index;
    return entry.serial;
  }

  /** A CRL of the revoked serials, or of `serials` when given (e.g. 20,001 made-up ones). */
  async crlPem(now: Date, options: { days?: number; serials?: string[] } = {}): Promise<string> {
    const revoked = now.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
    const entries =
      options.serials?.map((serial) => ({ serial, revoked })) ??
      this.index
        .filter((e) => e.status === 'R' && e.revoked !== undefined)
        .map((e) => ({ serial: e.serial, revoked: e.revoked as string }));
    const der = await buildCrl(
      {
        issuer: this.ca.cert.subject,
        authorityKeyId: caKeyId(this.ca.cert),
        crlNumber: this.crlNumber++,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + (options.days ?? 180) * 86_400_000),
        entries,
      },
      this.ca.signer,
    );
    return toPem('X509 CRL', der);
  }
}
