import { describe, expect, it } from '@jest/globals';
import { EndpointPlanError, planCacheVpnEndpoint } from '../../../functions/core/vpn/endpoint-plan.js';

const subnets = [
  { subnetId: 'subnet-a1', availabilityZone: 'eu-west-1a', cidr: '10.0.1.0/24' },
  { subnetId: 'subnet-a2', availabilityZone: 'eu-west-1a', cidr: '10.0.3.0/24' },
  { subnetId: 'subnet-b1', availabilityZone: 'eu-west-1b', cidr: '10.0.2.0/24' },
];

describe('planCacheVpnEndpoint', () => {
  it('associates the first cache subnet of each zone and authorizes every cache subnet CIDR', () => {
    expect(
      planCacheVpnEndpoint({
        vpcCidrs: ['10.0.0.0/16'],
        cacheSubnets: subnets,
        clientCidr: '10.255.252.0/22',
      }),
    ).toEqual({
      associations: [subnets[0], subnets[2]],
      authorizations: ['10.0.1.0/24', '10.0.3.0/24', '10.0.2.0/24'],
      routedCidrs: ['10.0.0.0/16'],
    });
  });

  it('lists every problem at once', () => {
    const error = (() => {
      try {
        planCacheVpnEndpoint({
          vpcCidrs: ['10.0.0.0/16'],
          cacheSubnets: [{ subnetId: 'subnet-x', availabilityZone: 'eu-west-1a', cidr: '192.168.1.0/24' }],
          clientCidr: '10.0.0.0/24',
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })() as EndpointPlanError;
    expect(error).toBeInstanceOf(EndpointPlanError);
    expect(error.problems).toEqual([
      'cache subnet subnet-x (192.168.1.0/24) is not inside the VPC CIDR blocks 10.0.0.0/16',
      'clientCidr 10.0.0.0/24 must be between /12 and /22 (Client VPN quota)',
      'clientCidr 10.0.0.0/24 overlaps the VPC CIDR 10.0.0.0/16; client addresses must come from outside the VPC',
    ]);
  });

  it('refuses an empty subnet list', () => {
    expect(() =>
      planCacheVpnEndpoint({ vpcCidrs: ['10.0.0.0/16'], cacheSubnets: [], clientCidr: '10.255.252.0/22' }),
    ).toThrow('cacheSubnets is empty');
  });
});
