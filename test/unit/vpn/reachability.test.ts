import { describe, expect, it } from '@jest/globals';
import { cacheReachability, type ReachabilityInput } from '../../../functions/core/vpn/reachability.js';

const base: ReachabilityInput = {
  address: '10.0.1.25',
  port: 6379,
  authorizations: [
    { cidr: '10.0.1.0/24', status: 'active' },
    { cidr: '10.0.2.0/24', status: 'authorizing' },
  ],
  routedCidrs: ['10.0.0.0/16'],
  openPort: 6379,
};

describe('cacheReachability', () => {
  it('reaches a cache node in an authorized subnet on the opened port', () => {
    expect(cacheReachability(base)).toEqual({
      reachable: true,
      via: 'authorization rule 10.0.1.0/24, port 6379',
    });
  });

  it('blocks the rest of the VPC: routed, but not authorized', () => {
    expect(cacheReachability({ ...base, address: '10.0.9.9' })).toEqual({
      reachable: false,
      reason: 'no authorization rule covers 10.0.9.9',
    });
  });

  it('blocks until the authorization rule is active', () => {
    expect(cacheReachability({ ...base, address: '10.0.2.7' })).toEqual({
      reachable: false,
      reason: 'the authorization rule for 10.0.2.0/24 is authorizing',
    });
  });

  it('blocks a destination the endpoint has no route to', () => {
    expect(
      cacheReachability({
        ...base,
        address: '100.64.1.5',
        authorizations: [{ cidr: '100.64.1.0/24', status: 'active' }],
      }),
    ).toEqual({ reachable: false, reason: 'no route to 100.64.1.5 on the endpoint' });
  });

  it('blocks any port but the one the cache security group opens', () => {
    expect(cacheReachability({ ...base, port: 22 })).toMatchObject({
      reachable: false,
      reason: 'the cache security group opens port 6379 to the endpoint, not 22',
    });
  });
});
