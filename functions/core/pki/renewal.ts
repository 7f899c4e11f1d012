import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { CertIndexEntry } from './cert-index.js';

/**
 * Client certificate renewal with a grace period: the successor (same CN, new serial) is issued
 * at once, and the predecessor stays valid until `revokeAfter`, so its holder can install the new
 * one before the old one stops working. The pending revocation is recorded, and whatever builds
 * the CA's next CRL after `revokeAfter` revokes it first (reason `superseded`, as easy-rsa's
 * `revoke-renewed`), so it is in that CRL. Nothing is revoked before its time, and nothing is
 * forgotten: a pending revocation leaves the record only once it is in the index.
 */

const DAY_MS = 86_400_000;
export const DEFAULT_GRACE_DAYS = 7;
export const MAX_GRACE_DAYS = 90;

export interface PendingRevocation {
  /** The predecessor, revoked once the grace period is over. */
  serial: string;
  commonName: string;
  successorSerial: string;
  recordedAt: string;
  revokeAfter: string;
}

const SERIAL = /^[0-9A-F]+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/**
 * The pending revocations file as written by `pendingRevocation` (a JSON array); anything else is
 * refused, naming the file: a damaged record must stop a CRL build, not drop a revocation.
 * Checked by hand rather than with a schema library: `crl build` reads it, and that path loads
 * only what it needs (docs/pki.md).
 */
export function parsePendingRevocations(text: string, file: string): PendingRevocation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError('is not valid JSON', file);
  }
  const valid = (p: unknown): p is PendingRevocation => {
    const r = p as Record<string, unknown>;
    return (
      typeof p === 'object' &&
      p !== null &&
      Object.keys(r).length === 5 &&
      typeof r.serial === 'string' &&
      SERIAL.test(r.serial) &&
      typeof r.successorSerial === 'string' &&
      SERIAL.test(r.successorSerial) &&
      typeof r.commonName === 'string' &&
      r.commonName.length > 0 &&
      typeof r.recordedAt === 'string' &&
      ISO.test(r.recordedAt) &&
      typeof r.revokeAfter === 'string' &&
      ISO.test(r.revokeAfter)
    );
  };
  if (!Array.isArray(parsed) || !parsed.every(valid)) {
    throw new ValidationError(
      'must be a JSON array of {serial, commonName, successorSerial, recordedAt, revokeAfter}',
      file,
    );
  }
  return parsed;
}

/** `--grace-days`: whole days 0-90 (0: revoked by the next CRL build). */
export function parseGraceDays(text: string | undefined, field = 'grace-days'): number {
  if (text === undefined) return DEFAULT_GRACE_DAYS;
  const days = Number(text);
  if (!/^\d+$/.test(text.trim()) || days > MAX_GRACE_DAYS) {
    throw new ValidationError(`must be a whole number of days, 0-${MAX_GRACE_DAYS}`, field);
  }
  return days;
}

/**
 * The certificate a renewal of `commonName` replaces: the CN's one valid certificate, not already
 * replaced by a renewal still in its grace period (renew once, let it finish, then renew again).
 */
export function predecessorFor(
  index: readonly CertIndexEntry[],
  pending: readonly PendingRevocation[],
  commonName: string,
): CertIndexEntry {
  const waiting = pending.find((p) => p.commonName === commonName);
  if (waiting) {
    throw new ConflictError(
      `CN "${commonName}" was renewed already: certificate ${waiting.serial} is revoked after ${waiting.revokeAfter} (its successor is ${waiting.successorSerial})`,
    );
  }
  const valid = index.filter((e) => e.status === 'V' && e.commonName === commonName);
  if (valid.length === 0) throw new NotFoundError(`no valid certificate for CN "${commonName}" to renew`);
  if (valid.length > 1) {
    throw new ConflictError(
      `CN "${commonName}" has ${valid.length} valid certificates; revoke all but one first`,
    );
  }
  return valid[0] as CertIndexEntry;
}

export function pendingRevocation(
  predecessor: CertIndexEntry,
  successorSerial: string,
  now: Date,
  graceDays: number,
): PendingRevocation {
  return {
    serial: predecessor.serial,
    commonName: predecessor.commonName,
    successorSerial,
    recordedAt: now.toISOString(),
    revokeAfter: new Date(now.getTime() + graceDays * DAY_MS).toISOString(),
  };
}

/** Which pending revocations are due at `now` (grace over), and which still wait. */
export function splitDue(
  pending: readonly PendingRevocation[],
  now: Date,
): { due: PendingRevocation[]; waiting: PendingRevocation[] } {
  const due = pending.filter((p) => new Date(p.revokeAfter).getTime() <= now.getTime());
  return { due, waiting: pending.filter((p) => !due.includes(p)) };
}
