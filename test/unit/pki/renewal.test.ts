import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { issueCertificate } from '../../../functions/core/pki/ca-operations.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { generateRsaKey } from '../../../functions/core/pki/certificate-builder.js';
import {
  parseGraceDays,
  parsePendingRevocations,
  pendingRevocation,
  predecessorFor,
  splitDue,
} from '../../../functions/core/pki/renewal.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { createTestCa, type TestCa } from './ca-fixture.js';

const now = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
let ca: TestCa;
const spki = generateRsaKey().publicKey.export({ type: 'spki', format: 'der' });

beforeAll(async () => {
  ca = await createTestCa('Renewal CA', new Date('2025-01-01T00:00:00Z'));
});

const issue = (index: readonly CertIndexEntry[], commonName: string, replacing?: string) =>
  issueCertificate({
    ca: ca.cert,
    index,
    commonName,
    profile: 'client',
    spki,
    now,
    days: 30,
    signer: ca.signer,
    random: randomBytes,
    ...(replacing === undefined ? {} : { replacing }),
  });

describe('renewal', () => {
  it('issues the successor beside the predecessor only when it names it', async () => {
    const first = await issue([], 'alice');
    await expect(issue(first.index, 'alice')).rejects.toThrow(ConflictError);
    const second = await issue(first.index, 'alice', first.entry.serial);
    expect(second.entry.commonName).toBe('alice');
    expect(second.entry.serial).not.toBe(first.entry.serial);
    // A third certificate for the CN, even naming one of the two, is refused.
    await expect(issue(second.index, 'alice', first.entry.serial)).rejects.toThrow(ConflictError);
  });

  it('finds the one valid certificate to renew, and refuses a CN whose renewal is still in its grace period', async () => {
    const { index, entry } = await issue([], 'bob');
    expect(predecessorFor(index, [], 'bob').serial).toBe(entry.serial);
    expect(() => predecessorFor(index, [], 'carol')).toThrow(NotFoundError);
    const pending = [pendingRevocation(entry, 'AB', now, 7)];
    expect(() => predecessorFor(index, pending, 'bob')).toThrow(/renewed already/);
  });

  it('a pending revocation is due exactly when its grace period is over, not a millisecond before', async () => {
    const { entry } = await issue([], 'dave');
    const pending = pendingRevocation(entry, 'CD', now, 7);
    expect(pending.revokeAfter).toBe(new Date(now.getTime() + 7 * DAY).toISOString());
    const before = new Date(now.getTime() + 7 * DAY - 1);
    expect(splitDue([pending], before)).toEqual({ due: [], waiting: [pending] });
    expect(splitDue([pending], new Date(now.getTime() + 7 * DAY))).toEqual({ due: [pending], waiting: [] });
  });

  it.each(['-1', '91', '1.5', 'x', ''])('--grace-days %p is refused, naming the flag', (text) => {
    expect(() => parseGraceDays(text)).toThrow(ValidationError);
    expect(() => parseGraceDays(text)).toThrow(/^grace-days: /);
  });

  it('--grace-days defaults to 7 and takes 0 (revoked by the next CRL build)', () => {
    expect(parseGraceDays(undefined)).toBe(7);
    expect(parseGraceDays('0')).toBe(0);
  });

  it('reads back the pending revocations it wrote, and refuses a damaged file naming it', async () => {
    const { entry } = await issue([], 'erin');
    const record = [pendingRevocation(entry, 'EF', now, 7)];
    expect(parsePendingRevocations(JSON.stringify(record), 'renewed/pending-revocations.json')).toEqual(
      record,
    );
    for (const damaged of [
      '{',
      '{}',
      JSON.stringify([{ ...record[0], serial: 'xyz' }]),
      JSON.stringify([{ ...record[0], extra: 1 }]),
    ]) {
      expect(() => parsePendingRevocations(damaged, 'renewed/pending-revocations.json')).toThrow(
        /^renewed\/pending-revocations.json: /,
      );
    }
  });
});
