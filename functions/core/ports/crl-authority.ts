import type { CertIndexEntry, RevocationReason } from '../pki/cert-index.js';
import type { CaSigner } from '../pki/signer.js';
import type { ParsedCertificate } from '../pki/x509.js';

/**
 * What the Client VPN workflows (revoke-certificate, refresh-crl) need from the certificate
 * authority: the certificate index with its atomic CRL-number counter, the CA certificate and
 * its signer. Adapters: functions/aws/crl-authority.ts.
 */
export interface RevocationIndex {
  /**
   * Revokes the valid certificate with this CN or serial. Idempotent: when it is already revoked
   * (a retried step), returns that entry with `changed: false`.
   */
  revoke(request: {
    commonName?: string;
    serial?: string;
    reason?: RevocationReason;
    now: Date;
  }): Promise<{ entry: CertIndexEntry; changed: boolean }>;
  /** Every entry (the CRL lists the revoked, unexpired ones). */
  entries(): Promise<CertIndexEntry[]>;
  /** Takes the next CRL number from the atomic counter (never the same number twice). */
  takeCrlNumber(): Promise<bigint>;
  /**
   * Ends the hold a revoke puts on the CN while the revocation is distributed (sessions are
   * terminated by CN, so a new certificate for it must wait). Indexes without a hold omit it.
   */
  endRevocationHold?(commonName: string, serial: string): Promise<void>;
}

export interface CertificateAuthority {
  certificate(): Promise<ParsedCertificate>;
  signer(): Promise<CaSigner>;
}

export interface CrlAuthority {
  readonly index: RevocationIndex;
  readonly ca: CertificateAuthority;
}
