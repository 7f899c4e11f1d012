import { timeKey } from './asn1-time.js';
import { isExpired, type CertIndexEntry } from './cert-index.js';
import { addDays } from './certificate-builder.js';
import type { CrlEntryInput } from './crl-encode.js';
import { CLIENT_VPN_MAX_CRL_ENTRIES, CRL_ENTRY_WARNING_THRESHOLD, type ParsedCrl } from './crl-verify.js';
import { CrlInvalidError, CrlQuotaError } from './errors.js';
import { ValidationError } from '../errors.js';

export const DEFAULT_CRL_DAYS = 180;

export interface CrlPlanInput {
  readonly index: readonly CertIndexEntry[];
  readonly now: Date;
  readonly days: number;
  /** Next CRL number recorded by the store (openssl `crlnumber` file), if any. */
  readonly nextCrlNumber?: bigint;
  /** The last CRL this CA published, if known: its number and entries constrain the next one. */
  readonly previous?: Pick<ParsedCrl, 'crlNumber' | 'entries'>;
}

export interface CrlPlan {
  readonly entries: CrlEntryInput[];
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly warnings: string[];
}

/**
 * Decides what the next CRL contains: every revoked serial whose certificate has not expired,
 * a CRL number above both the stored counter and the previous CRL's, and validity from `days`.
 * Refuses (before anything is signed) to exceed the Client VPN quota or to drop a serial that a
 * previous CRL listed while its certificate is still valid.
 */
export function planCrl(input: CrlPlanInput): CrlPlan {
  if (!Number.isInteger(input.days) || input.days < 1 || input.days > 3650) {
    throw new ValidationError('must be a whole number of days between 1 and 3650', 'days');
  }
  const nowKey = timeKey(input.now);
  const entries: CrlEntryInput[] = [];
  for (const e of input.index) {
    if (e.status !== 'R' || e.revoked === undefined || isExpired(e, nowKey)) continue;
    entries.push(
      e.reason === undefined
        ? { serial: e.serial, revoked: e.revoked }
        : { serial: e.serial, revoked: e.revoked, reason: e.reason },
    );
  }
  if (entries.length > CLIENT_VPN_MAX_CRL_ENTRIES) {
    throw new CrlQuotaError(
      `${entries.length} revoked unexpired certificates exceed the Client VPN limit of ${CLIENT_VPN_MAX_CRL_ENTRIES} CRL entries`,
    );
  }
  const warnings: string[] = [];
  if (entries.length >= CRL_ENTRY_WARNING_THRESHOLD) {
    warnings.push(
      `CRL has ${entries.length} entries; the Client VPN limit is ${CLIENT_VPN_MAX_CRL_ENTRIES} (warning from ${CRL_ENTRY_WARNING_THRESHOLD})`,
    );
  }
  if (input.previous) {
    const included = new Set<string>();
    for (const e of entries) included.add(e.serial);
    const missing = input.previous.entries.filter((p) => !included.has(p.serial));
    const bySerial = missing.length === 0 ? new Map() : new Map(input.index.map((e) => [e.serial, e]));
    const dropped = missing
      .filter((p) => {
        const known = bySerial.get(p.serial);
        return known === undefined || !isExpired(known, nowKey);
      })
      .map((p) => p.serial);
    if (dropped.length > 0) {
      throw new CrlInvalidError([
        `${dropped.length} serial(s) listed in the previous CRL would be dropped before their certificates expire (e.g. ${dropped.slice(0, 3).join(', ')}); the index no longer records them as revoked`,
      ]);
    }
  }
  const previousNumber = input.previous?.crlNumber;
  let crlNumber = input.nextCrlNumber ?? 1n;
  if (previousNumber !== undefined && crlNumber <= previousNumber) crlNumber = previousNumber + 1n;
  return {
    entries,
    crlNumber,
    thisUpdate: addDays(input.now, 0),
    nextUpdate: addDays(input.now, input.days),
    warnings,
  };
}
