import type { CertIndexEntry } from '../pki/cert-index.js';
import { buildCrl } from '../pki/crl-encode.js';
import { planCrl } from '../pki/crl-plan.js';
import { checkCrl, parseCrl } from '../pki/crl-verify.js';
import { CrlInvalidError } from '../pki/errors.js';
import type { CaSigner } from '../pki/signer.js';
import { caKeyId, type ParsedCertificate } from '../pki/x509.js';
import { DAY_MS } from './refresh-policy.js';

export interface CrlPublicationInput {
  readonly index: readonly CertIndexEntry[];
  readonly ca: ParsedCertificate;
  readonly signer: CaSigner;
  readonly now: Date;
  readonly days: number;
  /** Rule 4: nextUpdate must be at least this far away when the CRL ships. */
  readonly minRemainingDays: number;
  /** From the index's atomic counter. */
  readonly nextCrlNumber: bigint;
  /** The last CRL published (DER): its number must be exceeded and its unexpired serials kept. */
  readonly previousDer?: Buffer;
  /** Serials that must be in the CRL (the one just revoked). */
  readonly requiredSerials?: readonly string[];
}

export interface PublishedCrl {
  readonly der: Buffer;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly entries: number;
  readonly serials: string[];
  readonly warnings: string[];
}

/**
 * Builds the next CRL from the index and checks it before it ships (safety rule 4): issuer = the
 * CA, signature valid with the CA key, nextUpdate at least the margin away, at most 20,000 entries,
 * no unexpired serial of the previous CRL dropped, CRL number strictly above the previous one, the
 * required serials present. Throws CrlQuotaError / CrlInvalidError naming every problem.
 */
export async function buildVerifiedCrl(input: CrlPublicationInput): Promise<PublishedCrl> {
  const previous = input.previousDer
    ? parseCrl(input.previousDer, 'previous CRL', { entries: 'serials' })
    : undefined;
  const plan = planCrl({
    index: input.index,
    now: input.now,
    days: input.days,
    nextCrlNumber: input.nextCrlNumber,
    ...(previous ? { previous } : {}),
  });
  const der = await buildCrl(
    { ...plan, issuer: input.ca.subject, authorityKeyId: caKeyId(input.ca) },
    input.signer,
  );
  const built = parseCrl(der, 'CRL', { entries: 'serials' });
  const report = checkCrl(built, input.ca, {
    now: input.now,
    minRemainingMs: input.minRemainingDays * DAY_MS,
    expectedEntryCount: plan.entries.length,
    ...(previous?.crlNumber === undefined ? {} : { previousCrlNumber: previous.crlNumber }),
    ...(input.requiredSerials ? { requiredSerials: input.requiredSerials } : {}),
  });
  if (!report.valid) throw new CrlInvalidError(report.problems);
  return {
    der,
    crlNumber: plan.crlNumber,
    thisUpdate: plan.thisUpdate,
    nextUpdate: plan.nextUpdate,
    entries: plan.entries.length,
    serials: built.entries.map((e) => e.serial),
    warnings: plan.warnings,
  };
}
