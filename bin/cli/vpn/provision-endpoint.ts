import {
  associateTargetSubnet,
  authorizeIngressForAll,
  createCertificateEndpoint,
  endpointReadiness,
} from '../../../functions/aws/ec2-client-vpn.js';
import { CachegateError } from '../../../functions/core/errors.js';
import {
  type CacheSubnet,
  type EndpointPlan,
  planCacheVpnEndpoint,
} from '../../../functions/core/vpn/endpoint-plan.js';

export interface ProvisionInput {
  readonly vpcId: string;
  readonly vpcCidrs: readonly string[];
  readonly cacheSubnets: readonly CacheSubnet[];
  readonly clientCidr: string;
  readonly serverCertificateArn: string;
  readonly clientRootCertificateChainArn: string;
  readonly connectionLogGroup: string;
  /** Lets `simulatedMs` of service time pass (the sandbox clock's speed decides how long that is). */
  readonly pause: (simulatedMs: number) => Promise<void>;
}

export interface ProvisionedEndpoint {
  readonly endpointId: string;
  readonly dnsName: string;
  readonly plan: EndpointPlan;
}

const POLL_MS = 15_000;
const MAX_POLLS = 80;

/**
 * Creates on the sandbox, through the EC2 API, the endpoint the CDK construct `CacheVpnAccess`
 * deploys on AWS, from the same plan: mutual TLS, split tunnel, connection logging, one
 * association per zone, authorization to the cache subnets only. Then waits for the end state
 * (endpoint `available`, every rule `active`), not for the first `available`.
 */
export async function provisionCacheVpnEndpoint(input: ProvisionInput): Promise<ProvisionedEndpoint> {
  const plan = planCacheVpnEndpoint({
    vpcCidrs: input.vpcCidrs,
    cacheSubnets: input.cacheSubnets,
    clientCidr: input.clientCidr,
  });
  const endpointId = await createCertificateEndpoint({
    vpcId: input.vpcId,
    clientCidr: input.clientCidr,
    serverCertificateArn: input.serverCertificateArn,
    clientRootCertificateChainArn: input.clientRootCertificateChainArn,
    connectionLogGroup: input.connectionLogGroup,
    splitTunnel: true,
    description: 'cachegate: certificate access to the cache',
  });
  for (const subnet of plan.associations) await associateTargetSubnet(endpointId, subnet.subnetId);
  for (const cidr of plan.authorizations)
    await authorizeIngressForAll(endpointId, cidr, `cache subnet ${cidr}`);
  for (let poll = 0; poll < MAX_POLLS; poll++) {
    const { status, dnsName, ruleStatuses } = await endpointReadiness(endpointId);
    const rulesActive =
      ruleStatuses.length === plan.authorizations.length && ruleStatuses.every((code) => code === 'active');
    if (status === 'available' && rulesActive) return { endpointId, dnsName: dnsName as string, plan };
    await input.pause(POLL_MS);
  }
  throw new CachegateError(
    'ENDPOINT_NOT_READY',
    `Client VPN endpoint ${endpointId} did not become available with active authorization rules`,
  );
}
