import { createHash } from 'node:crypto';
import { timeKey } from './asn1-time.js';
import { isExpired, parseIndex, type CertIndexEntry } from './cert-index.js';
import { addDays } from './certificate-builder.js';
import { encodeRevokedEntries, type CrlEntryInput, type EncodedRevokedList } from './crl-encode.js';
import { scanIndexForCrl, type WasmIndexScanner } from './crl-index-scan.js';
import {
  CLIENT_VPN_MAX_CRL_ENTRIES,
  CRL_ENTRY_WARNING_THRESHOLD,
  serialHexOf,
  walkRevokedList,
  type ParsedCrl,
} from './crl-verify.js';
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

function checkDays(days: number): void {
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new ValidationError('must be a whole number of days between 1 and 3650', 'days');
  }
}

/** Hard error above the Client VPN quota, a warning from 18,000 entries. */
function quotaWarnings(count: number): string[] {
  if (count > CLIENT_VPN_MAX_CRL_ENTRIES) {
    throw new CrlQuotaError(
      `${count} revoked unexpired certificates exceed the Client VPN limit of ${CLIENT_VPN_MAX_CRL_ENTRIES} CRL entries`,
    );
  }
  return count >= CRL_ENTRY_WARNING_THRESHOLD
    ? [
        `CRL has ${count} entries; the Client VPN limit is ${CLIENT_VPN_MAX_CRL_ENTRIES} (warning from ${CRL_ENTRY_WARNING_THRESHOLD})`,
      ]
    : [];
}

function refuseDropped(dropped: readonly string[], total: number): void {
  if (dropped.length > 0) {
    throw new CrlInvalidError([
      `${total} serial(s) listed in the previous CRL would be dropped before their certificates expire (e.g. ${dropped.join(', ')}); the index no longer records them as revoked`,
    ]);
  }
}

/** Above both the stored counter and the previous CRL's number. */
function nextNumber(nextCrlNumber: bigint | undefined, previousNumber: bigint | undefined): bigint {
  const crlNumber = nextCrlNumber ?? 1n;
  return previousNumber !== undefined && crlNumber <= previousNumber ? previousNumber + 1n : crlNumber;
}

/**
 * Decides what the next CRL contains: every revoked serial whose certificate has not expired,
 * a CRL number above both the stored counter and the previous CRL's, and validity from `days`.
 * Refuses (before anything is signed) to exceed the Client VPN quota or to drop a serial that a
 * previous CRL listed while its certificate is still valid.
 */
export function planCrl(input: CrlPlanInput): CrlPlan {
  checkDays(input.days);
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
  const warnings = quotaWarnings(entries.length);
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
    refuseDropped(dropped.slice(0, 3), dropped.length);
  }
  return {
    entries,
    crlNumber: nextNumber(input.nextCrlNumber, input.previous?.crlNumber),
    thisUpdate: addDays(input.now, 0),
    nextUpdate: addDays(input.now, input.days),
    warnings,
  };
}

/**
 * What a `crl build` derived from which index (kept next to crl.pem). While index.txt is byte for
 * byte the same and no listed certificate has expired, the next CRL's entries are exactly the
 * previous CRL's, so the next build reuses them instead of scanning 20,000 lines again.
 */
export interface CrlBuildRecord {
  /** SHA-256 (hex) of the index.txt the CRL was built from. */
  readonly indexSha256: string;
  /** The CRL number of that build (decimal): ties the record to one crl.pem. */
  readonly crlNumber: string;
  /** `timeKey` of thisUpdate: an entry that had expired then is still expired later. */
  readonly builtAt: string;
  /** Earliest notAfter among the listed entries (`timeKey`), or null when none is listed. */
  readonly listedNotAfterMin: string | null;
}

export interface IndexCrlPlanInput {
  /** The store's index.txt, as bytes. */
  readonly indexText: Uint8Array;
  readonly now: Date;
  readonly days: number;
  readonly nextCrlNumber?: bigint;
  /** The store's last CRL signed by this CA (signature checked by the caller). */
  readonly previous?: Pick<ParsedCrl, 'crlNumber' | 'revokedList' | 'entryCount'>;
  /** The record of the build that produced `previous`, if any. */
  readonly record?: CrlBuildRecord;
  /** The WebAssembly scanner, when the caller has it (same result as the JavaScript scan). */
  readonly scanner?: WasmIndexScanner;
}

export interface EncodedCrlPlan extends Omit<CrlPlan, 'entries'> {
  readonly revoked: EncodedRevokedList;
  /** What to keep for the next build; undefined when the general path planned this CRL. */
  readonly record: CrlBuildRecord | undefined;
}

/** True when the record proves that scanning this index now would yield the previous CRL's entries. */
function previousEntriesStillExact(input: IndexCrlPlanInput, indexSha256: string, nowKey: string): boolean {
  const { previous, record } = input;
  return (
    previous?.crlNumber !== undefined &&
    record !== undefined &&
    record.indexSha256 === indexSha256 &&
    record.crlNumber === previous.crlNumber.toString() &&
    record.builtAt <= nowKey &&
    (record.listedNotAfterMin === null || nowKey < record.listedNotAfterMin)
  );
}

/**
 * `planCrl` straight from index.txt bytes, with the revoked list already encoded: the fast path
 * of `crl build` (no per-entry objects). Same decisions and errors as `parseIndex` + `planCrl`,
 * which it falls back to for any index it does not scan (see crl-index-scan.ts).
 */
export function planCrlFromIndexText(input: IndexCrlPlanInput): EncodedCrlPlan {
  checkDays(input.days);
  const nowKey = timeKey(input.now);
  const indexSha256 = createHash('sha256').update(input.indexText).digest('hex');
  const dates = { thisUpdate: addDays(input.now, 0), nextUpdate: addDays(input.now, input.days) };
  const crlNumber = nextNumber(input.nextCrlNumber, input.previous?.crlNumber);
  const recordOf = (listedNotAfterMin: string | null): CrlBuildRecord => ({
    indexSha256,
    crlNumber: crlNumber.toString(),
    builtAt: nowKey,
    listedNotAfterMin,
  });

  if (input.previous && input.record && previousEntriesStillExact(input, indexSha256, nowKey)) {
    const revoked = { der: input.previous.revokedList, count: input.previous.entryCount };
    const warnings = quotaWarnings(revoked.count);
    return { revoked, crlNumber, ...dates, warnings, record: recordOf(input.record.listedNotAfterMin) };
  }

  const scan = scanIndexForCrl(input.indexText, nowKey, input.scanner);
  const previousList = input.previous?.revokedList;
  if (scan === undefined) {
    const index = parseIndex(Buffer.from(input.indexText).toString('utf8'));
    const previousEntries: { serial: string }[] = [];
    if (previousList) {
      walkRevokedList(previousList, 0, previousList.length, (start, end) =>
        previousEntries.push({ serial: serialHexOf(previousList, start, end) }),
      );
    }
    const { entries, ...plan } = planCrl({
      index,
      now: input.now,
      days: input.days,
      ...(input.nextCrlNumber === undefined ? {} : { nextCrlNumber: input.nextCrlNumber }),
      ...(input.previous
        ? { previous: { crlNumber: input.previous.crlNumber, entries: previousEntries } }
        : {}),
    });
    return { ...plan, revoked: encodeRevokedEntries(entries), record: undefined };
  }
  const warnings = quotaWarnings(scan.revoked.count);
  if (previousList) {
    const dropped = scan.droppedFrom(previousList);
    refuseDropped(dropped.examples, dropped.total);
  }
  return {
    revoked: scan.revoked,
    crlNumber,
    ...dates,
    warnings,
    record: recordOf(scan.listedNotAfterMin ?? null),
  };
}
