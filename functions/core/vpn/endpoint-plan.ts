import { cidrContains, clientCidrProblems, parseIpv4Cidr } from './client-cidr.js';

export interface CacheSubnet {
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly cidr: string;
}

export interface EndpointPlanInput {
  /** The VPC's CIDR blocks, primary first. */
  readonly vpcCidrs: readonly string[];
  readonly cacheSubnets: readonly CacheSubnet[];
  readonly clientCidr: string;
}

export interface EndpointPlan {
  /** Target networks: the first cache subnet of each availability zone (Client VPN allows one per zone). */
  readonly associations: readonly CacheSubnet[];
  /** Authorization rules: the cache subnets' CIDRs, nothing wider. */
  readonly authorizations: readonly string[];
  /**
   * What the endpoint routes: the VPC's local route, which Client VPN adds to its route table on
   * association (covering the VPC's CIDR blocks at that time). Every cache subnet is inside it, so
   * no explicit route is needed; one for a VPC subnet would only duplicate the local route.
   */
  readonly routedCidrs: readonly string[];
}

export class EndpointPlanError extends Error {
  override readonly name: string = 'EndpointPlanError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

/**
 * What a Client VPN endpoint for the cache consists of: the single source for the CDK construct
 * (infra/constructs/cache-vpn-access.ts) and the local provisioning the demo runs on the sandbox.
 * Throws EndpointPlanError listing every problem (client CIDR overlap or size, a cache subnet
 * outside the VPC, no subnets).
 */
export function planCacheVpnEndpoint(input: EndpointPlanInput): EndpointPlan {
  const problems: string[] = [];
  if (input.cacheSubnets.length === 0) problems.push('cacheSubnets is empty');
  if (input.vpcCidrs.length === 0) problems.push('the VPC CIDR is unknown');
  const vpc = input.vpcCidrs.map((v) => parseIpv4Cidr(v, 'vpcCidrs'));
  for (const s of input.cacheSubnets) {
    const subnet = parseIpv4Cidr(s.cidr, `cacheSubnets.${s.subnetId}`);
    if (!vpc.some((v) => cidrContains(v, subnet))) {
      problems.push(
        `cache subnet ${s.subnetId} (${s.cidr}) is not inside the VPC CIDR blocks ${input.vpcCidrs.join(', ')}`,
      );
    }
  }
  problems.push(...clientCidrProblems({ clientCidr: input.clientCidr, vpcCidrs: input.vpcCidrs }));
  if (problems.length > 0) throw new EndpointPlanError(problems);

  const byZone = new Map<string, CacheSubnet>();
  for (const s of input.cacheSubnets) if (!byZone.has(s.availabilityZone)) byZone.set(s.availabilityZone, s);
  return {
    associations: [...byZone.values()],
    authorizations: [...new Set(input.cacheSubnets.map((s) => s.cidr))],
    routedCidrs: [...input.vpcCidrs],
  };
}
