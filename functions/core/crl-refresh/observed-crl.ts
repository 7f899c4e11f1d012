import { createHash } from 'node:crypto';
import { parseCrl } from '../pki/crl-verify.js';
import { fromPem } from '../pki/pem.js';
import { verifySignature, type ParsedCertificate } from '../pki/x509.js';

/** What an endpoint's exported CRL says, as far as the refresh decision is concerned. */
export interface ObservedCrl {
  /** SHA-256 (hex) of the DER: PEM line breaks do not count as a difference. */
  readonly sha256: string;
  /** Issued and signed by the endpoint's CA; a CRL of another CA revokes nothing (lets everyone in). */
  readonly fromCa: boolean;
  readonly crlNumber: bigint | undefined;
  readonly nextUpdate: Date | undefined;
  readonly serials: ReadonlySet<string>;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Parses an exported CRL PEM; undefined when it is not a CRL at all. */
export function observeCrl(pem: string, ca: ParsedCertificate): ObservedCrl | undefined {
  try {
    const der = fromPem(pem, 'X509 CRL', 'exported CRL');
    const crl = parseCrl(der, 'exported CRL', { entries: 'serials' });
    const fromCa =
      crl.issuer.equals(ca.subject) &&
      verifySignature(crl.signatureAlgorithm, crl.tbs, ca.publicKey, crl.signature);
    return {
      sha256: sha256Hex(der),
      fromCa,
      crlNumber: crl.crlNumber,
      nextUpdate: crl.nextUpdate,
      serials: new Set(crl.entries.map((e) => e.serial)),
    };
  } catch {
    return undefined;
  }
}

/** Days until `nextUpdate`, two decimals; 0 when there is nothing that protects the endpoint. */
export function daysUntilExpiry(observed: ObservedCrl | undefined, now: Date): number {
  if (!observed?.fromCa || !observed.nextUpdate) return 0;
  return Math.floor(((observed.nextUpdate.getTime() - now.getTime()) / 86_400_000) * 100) / 100;
}
