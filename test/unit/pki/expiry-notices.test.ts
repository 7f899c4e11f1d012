import { describe, expect, it } from '@jest/globals';
import { encodeTime } from '../../../functions/core/pki/asn1-time.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';
import { dueExpiryNotices, parseNoticeDays } from '../../../functions/core/pki/expiry-notices.js';

const DAY = 86_400_000;
const now = new Date('2026-12-06T06:00:00Z');
const entry = (cn: string, daysLeft: number, status: CertIndexEntry['status'] = 'V'): CertIndexEntry => ({
  status,
  serial: `${cn.toUpperCase()}01`,
  commonName: cn,
  subject: `/CN=${cn}`,
  expires: encodeTime(new Date(now.getTime() + daysLeft * DAY)).text,
  fileName: 'unknown',
});

describe('dueExpiryNotices', () => {
  it('gives each certificate the tightest threshold it has reached, on the boundary included', () => {
    const due = dueExpiryNotices(
      [entry('far', 31), entry('edge', 30), entry('mid', 7.5), entry('week', 7), entry('last', 0.2)],
      [30, 7, 1],
      now,
    );
    expect(due.map((n) => [n.commonName, n.thresholdDays, n.daysLeft])).toEqual([
      ['last', 1, 0],
      ['week', 7, 7],
      ['mid', 30, 7],
      ['edge', 30, 30],
    ]);
  });

  it('says nothing about revoked or expired certificates', () => {
    expect(dueExpiryNotices([entry('gone', 3, 'R'), entry('old', -1), entry('now', 0)], [30], now)).toEqual(
      [],
    );
  });
});

describe('parseNoticeDays', () => {
  it('reads whole days, most distant first', () => {
    expect(parseNoticeDays('7, 30,1')).toEqual([30, 7, 1]);
  });
  it.each(['', '0', '30,x', '400', '7,7', '1.5'])('refuses %p, naming the field', (text) => {
    expect(() => parseNoticeDays(text, 'CERTIFICATE_NOTICE_DAYS')).toThrow(/^CERTIFICATE_NOTICE_DAYS: /);
  });
});
