import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ValidationError } from '../../../functions/core/errors.js';
import {
  cidrContains,
  cidrsOverlap,
  clientCidrProblems,
  DEFAULT_CLIENT_CIDR,
  parseIpv4Cidr,
} from '../../../functions/core/vpn/client-cidr.js';

describe('parseIpv4Cidr', () => {
  it('parses a block into its first and last address', () => {
    expect(parseIpv4Cidr('10.0.1.0/24')).toEqual({
      text: '10.0.1.0/24',
      prefix: 24,
      first: 0x0a000100,
      last: 0x0a0001ff,
    });
    expect(parseIpv4Cidr('0.0.0.0/0')).toMatchObject({ first: 0, last: 0xffffffff });
    expect(parseIpv4Cidr('255.255.255.255/32')).toMatchObject({ first: 0xffffffff, last: 0xffffffff });
  });

  it.each(['10.0.0/16', '10.0.0.256/24', '10.0.0.0/33', '10.0.0.0', ' 10.0.0.0/16', 'abc'])(
    'rejects %p, naming the field',
    (text) => {
      expect(() => parseIpv4Cidr(text, 'clientCidr')).toThrow(ValidationError);
      expect(() => parseIpv4Cidr(text, 'clientCidr')).toThrow(/^clientCidr: /);
    },
  );

  it('rejects host bits and names the network the operator probably meant', () => {
    expect(() => parseIpv4Cidr('10.0.1.7/22')).toThrow(
      '"10.0.1.7/22" has host bits set; the block is 10.0.0.0/22',
    );
  });
});

describe('overlap and containment', () => {
  const c = (text: string) => parseIpv4Cidr(text);

  it('detects overlap in either direction and touching blocks as separate', () => {
    expect(cidrsOverlap(c('10.0.0.0/16'), c('10.0.4.0/22'))).toBe(true);
    expect(cidrsOverlap(c('10.0.4.0/22'), c('10.0.0.0/16'))).toBe(true);
    expect(cidrsOverlap(c('10.0.0.0/22'), c('10.0.4.0/22'))).toBe(false);
    expect(cidrContains(c('10.0.0.0/16'), c('10.0.2.0/24'))).toBe(true);
    expect(cidrContains(c('10.0.2.0/24'), c('10.0.0.0/16'))).toBe(false);
  });

  it('agrees with an address-by-address definition (property)', () => {
    const block = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 32 }))
      .map(([high, prefix]) => {
        const size = 2 ** (32 - prefix);
        const first = Math.floor((0x0a000000 + high * 16) / size) * size;
        const dotted = [24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join('.');
        return parseIpv4Cidr(`${dotted}/${prefix}`);
      });
    fc.assert(
      fc.property(block, block, (a, b) => {
        const shared = Math.max(a.first, b.first) <= Math.min(a.last, b.last);
        expect(cidrsOverlap(a, b)).toBe(shared);
        expect(cidrContains(a, b)).toBe(a.first <= b.first && b.last <= a.last);
      }),
    );
  });
});

describe('clientCidrProblems', () => {
  it('accepts the default client CIDR next to a typical VPC', () => {
    expect(clientCidrProblems({ clientCidr: DEFAULT_CLIENT_CIDR, vpcCidrs: ['10.0.0.0/16'] })).toEqual([]);
    expect(DEFAULT_CLIENT_CIDR).toMatch(/\/22$/);
  });

  it('names both blocks when the client CIDR overlaps the VPC', () => {
    expect(clientCidrProblems({ clientCidr: '10.0.4.0/22', vpcCidrs: ['10.0.0.0/16'] })).toEqual([
      'clientCidr 10.0.4.0/22 overlaps the VPC CIDR 10.0.0.0/16; client addresses must come from outside the VPC',
    ]);
  });

  it('checks every VPC block', () => {
    const problems = clientCidrProblems({
      clientCidr: '100.64.0.0/20',
      vpcCidrs: ['10.0.0.0/16', '100.64.0.0/16'],
    });
    expect(problems).toEqual([
      'clientCidr 100.64.0.0/20 overlaps the VPC CIDR 100.64.0.0/16; client addresses must come from outside the VPC',
    ]);
  });

  it('enforces the Client VPN /12-/22 size', () => {
    expect(clientCidrProblems({ clientCidr: '192.168.0.0/24', vpcCidrs: ['10.0.0.0/16'] })).toEqual([
      'clientCidr 192.168.0.0/24 must be between /12 and /22 (Client VPN quota)',
    ]);
    expect(clientCidrProblems({ clientCidr: '172.0.0.0/11', vpcCidrs: ['10.0.0.0/16'] })).toHaveLength(1);
    expect(clientCidrProblems({ clientCidr: '172.16.0.0/12', vpcCidrs: ['10.0.0.0/16'] })).toEqual([]);
  });
});
