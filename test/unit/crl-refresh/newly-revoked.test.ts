import { describe, expect, it } from '@jest/globals';
import {
  connectionsToEnd,
  MAX_SESSION_COMMON_NAMES,
  sessionsToEnd,
} from '../../../functions/core/crl-refresh/newly-revoked.js';
import type { CertIndexEntry } from '../../../functions/core/pki/cert-index.js';

const entry = (serial: string, commonName: string, status: 'V' | 'R' = 'R'): CertIndexEntry => ({
  status,
  serial,
  commonName,
  subject: `/CN=${commonName}`,
  expires: '301231000000Z',
  ...(status === 'R' ? { revoked: '250101000000Z' } : {}),
});

const index = [
  entry('0A01', 'alice'),
  entry('0B02', 'bob'),
  entry('0C03', 'alice'),
  entry('0D04', 'alice', 'V'),
  entry('0E05', 'carol', 'V'),
];

describe('sessionsToEnd', () => {
  it('names the common names of serials the endpoint did not enforce yet', () => {
    expect(sessionsToEnd(new Set(['0A01', '0B02']), new Set(['0A01']), index)).toEqual({
      count: 1,
      commonNames: ['bob'],
      everyConnection: false,
    });
  });

  it('names nothing when the import lists no new serial (a routine re-import)', () => {
    expect(sessionsToEnd(new Set(['0A01', '0B02']), new Set(['0A01', '0B02']), index).count).toBe(0);
  });

  it('treats an endpoint without a CRL of the CA as enforcing nothing', () => {
    expect(sessionsToEnd(new Set(['0A01', '0B02', '0C03']), undefined, index)).toEqual({
      count: 2,
      commonNames: ['alice', 'bob'],
      everyConnection: false,
    });
  });

  it('matches serials whatever their case or leading zero octets', () => {
    expect(sessionsToEnd(new Set(['B02']), new Set(['00a01']), [entry('00B02', 'bob')]).commonNames).toEqual([
      'bob',
    ]);
    expect(sessionsToEnd(new Set(['A01']), new Set(['00a01']), index).count).toBe(0);
  });

  it('ignores serials the index does not know and valid certificates', () => {
    expect(sessionsToEnd(new Set(['FFFF', '0E05']), undefined, index).count).toBe(0);
  });

  it('ends every session instead of carrying more common names than the payload allows', () => {
    const many = Array.from({ length: MAX_SESSION_COMMON_NAMES + 1 }, (_, i) =>
      entry((0x1000 + i).toString(16).toUpperCase(), `user-${i}`),
    );
    const result = sessionsToEnd(new Set(many.map((e) => e.serial)), undefined, many);
    expect(result).toEqual({ count: MAX_SESSION_COMMON_NAMES + 1, commonNames: [], everyConnection: true });
    const atCap = sessionsToEnd(new Set(many.slice(1).map((e) => e.serial)), undefined, many);
    expect(atCap.commonNames).toHaveLength(MAX_SESSION_COMMON_NAMES);
    expect(atCap.everyConnection).toBe(false);
  });
});

describe('connectionsToEnd', () => {
  const connections = [
    { connectionId: 'c1', commonName: 'alice', status: 'active' },
    { connectionId: 'c2', commonName: 'bob', status: 'active' },
    { connectionId: 'c3', commonName: 'alice', status: 'terminated' },
    { connectionId: 'c4', commonName: 'alice', status: 'failed-to-terminate' },
    { connectionId: 'c5', commonName: undefined, status: 'active' },
  ];

  it('ends the live sessions of the named common names only', () => {
    expect(connectionsToEnd(connections, { commonNames: ['alice'], everyConnection: false })).toEqual([
      'c1',
      'c4',
    ]);
  });

  it('ends every live session when asked to', () => {
    expect(connectionsToEnd(connections, { commonNames: [], everyConnection: true })).toEqual([
      'c1',
      'c2',
      'c4',
      'c5',
    ]);
  });
});
