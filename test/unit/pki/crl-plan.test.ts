import { describe, expect, it } from '@jest/globals';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { planCrl } from '../../../functions/core/pki/crl-plan.js';
import { CrlInvalidError, CrlQuotaError } from '../../../functions/core/pki/errors.js';

const now = new Date('2025-06-01T00:00:00Z');
const revoked = (serial: string, expires = '300101000000Z'): CertIndexEntry => ({
  status: 'R',
  serial,
  commonName: `cn-${serial}`,
  subject: `/CN=cn-${serial}`,
  expires,
  revoked: '250101000000Z',
});
const many = (count: number): CertIndexEntry[] =>
  Array.from({ length: count }, (_, i) => revoked(i.toString(16).toUpperCase().padStart(8, '0')));

describe('planCrl', () => {
  it('lists revoked certificates that have not expired, and only those', () => {
    const index: CertIndexEntry[] = [
      revoked('01'),
      revoked('02', '250501000000Z'),
      { status: 'V', serial: '03', commonName: 'v', subject: '/CN=v', expires: '300101000000Z' },
    ];
    expect(planCrl({ index, now, days: 7 }).entries.map((e) => e.serial)).toEqual(['01']);
  });

  it('sets thisUpdate to now and nextUpdate from the configured days', () => {
    const plan = planCrl({ index: [], now, days: 7 });
    expect(plan.thisUpdate).toEqual(now);
    expect(plan.nextUpdate.toISOString()).toBe('2025-06-08T00:00:00.000Z');
  });

  it('takes the CRL number from the counter, and above the previous CRL', () => {
    expect(planCrl({ index: [], now, days: 1 }).crlNumber).toBe(1n);
    expect(planCrl({ index: [], now, days: 1, nextCrlNumber: 9n }).crlNumber).toBe(9n);
    expect(
      planCrl({ index: [], now, days: 1, nextCrlNumber: 3n, previous: { crlNumber: 10n, entries: [] } })
        .crlNumber,
    ).toBe(11n);
  });

  it('warns from 18,000 entries and refuses more than 20,000 (Client VPN quota)', () => {
    expect(planCrl({ index: many(17_999), now, days: 1 }).warnings).toEqual([]);
    expect(planCrl({ index: many(18_000), now, days: 1 }).warnings[0]).toMatch(/18000 entries/);
    expect(planCrl({ index: many(20_000), now, days: 1 }).entries).toHaveLength(20_000);
    expect(() => planCrl({ index: many(20_001), now, days: 1 })).toThrow(CrlQuotaError);
  });

  it('refuses to drop a serial the previous CRL listed while its certificate is unexpired', () => {
    const previous = { crlNumber: 1n, entries: [{ serial: '01', revoked: now }] };
    const index: CertIndexEntry[] = [
      { status: 'V', serial: '01', commonName: 'a', subject: '/CN=a', expires: '300101000000Z' },
    ];
    expect(() => planCrl({ index, now, days: 1, previous })).toThrow(CrlInvalidError);
    expect(() => planCrl({ index: [], now, days: 1, previous })).toThrow(/would be dropped/);
  });

  it('lets a serial leave the CRL once its certificate has expired', () => {
    const previous = { crlNumber: 1n, entries: [{ serial: '01', revoked: now }] };
    expect(planCrl({ index: [revoked('01', '250101000000Z')], now, days: 1, previous }).entries).toEqual([]);
  });

  it('rejects a non-positive validity', () => {
    expect(() => planCrl({ index: [], now, days: 0 })).toThrow(/days/);
  });
});
