import type { ParsedCertificate } from '../pki/x509.js';
import { observeCrl } from './observed-crl.js';

/**
 * Where an import stands, from what Export returns (safety rule 2: poll for the end state):
 * - `active`: the endpoint holds exactly the imported CRL and Client VPN applies it;
 * - `pending`: exactly the imported CRL, not applied yet;
 * - `superseded`: a newer CRL of the same CA replaced it (a concurrent run distributes that one);
 * - `mismatch`: anything else (missing, other content, another CA).
 */
export type ImportProgress = 'active' | 'pending' | 'superseded' | 'mismatch';

export function importProgress(
  exported: { pem: string | undefined; status: string | undefined },
  imported: { crlNumber: bigint; sha256: string },
  ca: ParsedCertificate,
): ImportProgress {
  const observed = exported.pem === undefined ? undefined : observeCrl(exported.pem, ca);
  if (!observed) return 'mismatch';
  if (observed.sha256 === imported.sha256) return exported.status === 'active' ? 'active' : 'pending';
  if (observed.fromCa && observed.crlNumber !== undefined && observed.crlNumber > imported.crlNumber) {
    return 'superseded';
  }
  return 'mismatch';
}
