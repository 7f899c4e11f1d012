import { randomBytes } from 'node:crypto';
import { issueCertificate, revokeCertificate } from '../../functions/core/pki/ca-operations.js';
import type { CertIndexEntry, RevocationReason } from '../../functions/core/pki/cert-index.js';
import {
  buildCaCertificate,
  generateRsaKey,
  randomSerial,
} from '../../functions/core/pki/certificate-builder.js';
import { toPem } from '../../functions/core/pki/pem.js';
import type { CrlAuthority } from '../../functions/core/ports/crl-authority.js';
import { keySigner, type CaSigner } from '../../functions/core/pki/signer.js';
import { parseCertificate, type ParsedCertificate } from '../../functions/core/pki/x509.js';
import { ConflictError } from '../../functions/core/errors.js';

/**
 * A certificate authority held in memory: index, CRL-number counter, CA certificate and key. It
 * backs the Client VPN workflows in the sandbox (tests, demo, `cachegate revoke` without AWS),
 * behind the same ports as the cloud adapters. `useSigner` swaps the signing key, to rehearse a
 * misconfigured signer (a CRL that is not the CA's).
 */
export class MemoryCrlAuthority implements CrlAuthority {
  private entries: CertIndexEntry[] = [];
  private nextCrlNumber = 1n;
  private spki = generateRsaKey().publicKey.export({ type: 'spki', format: 'der' });
  private activeSigner: CaSigner;

  private constructor(
    readonly caCert: ParsedCertificate,
    private readonly caSigner: CaSigner,
  ) {
    this.activeSigner = caSigner;
  }

  static async create(commonName: string, now: Date): Promise<MemoryCrlAuthority> {
    const { privateKey, publicKey } = generateRsaKey();
    const signer = keySigner(privateKey);
    const der = await buildCaCertificate({
      commonName,
      spki: publicKey.export({ type: 'spki', format: 'der' }),
      serial: randomSerial(randomBytes),
      now: new Date(now.getTime() - 86_400_000),
      days: 3650,
      signer,
    });
    return new MemoryCrlAuthority(parseCertificate(der), signer);
  }

  get caPem(): string {
    return toPem('CERTIFICATE', this.caCert.der);
  }

  /** Issues a client certificate (the simulated client needs only the certificate). */
  async issue(commonName: string, now: Date, days = 365): Promise<{ pem: string; serial: string }> {
    const result = await issueCertificate({
      ca: this.caCert,
      index: this.entries,
      commonName,
      profile: 'client',
      spki: this.spki,
      now,
      days,
      signer: this.caSigner,
      random: randomBytes,
    });
    this.entries = result.index;
    return { pem: toPem('CERTIFICATE', result.certificate), serial: result.entry.serial };
  }

  /** Adds revoked entries directly (e.g. 20,001 of them to exceed the Client VPN quota). */
  addRevoked(entries: readonly CertIndexEntry[]): void {
    this.entries = [...this.entries, ...entries];
  }

  useSigner(signer: CaSigner | undefined): void {
    this.activeSigner = signer ?? this.caSigner;
  }

  readonly index = {
    revoke: async (request: {
      commonName?: string;
      serial?: string;
      reason?: RevocationReason;
      now: Date;
    }) => {
      try {
        const { entry, index } = revokeCertificate({ index: this.entries, ...request });
        this.entries = index;
        return { entry, changed: true };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const revoked = this.entries.filter(
          (e) =>
            e.status === 'R' &&
            (request.serial === undefined
              ? e.commonName === request.commonName
              : e.serial === request.serial),
        );
        const latest = revoked.at(-1);
        if (!latest) throw error;
        return { entry: latest, changed: false };
      }
    },
    entries: async () => [...this.entries],
    takeCrlNumber: async () => this.nextCrlNumber++,
  };

  readonly ca = {
    certificate: async () => this.caCert,
    signer: async () => this.activeSigner,
  };
}
