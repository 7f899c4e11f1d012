import {
  AssociateClientVpnTargetNetworkCommand,
  AuthorizeClientVpnIngressCommand,
  CreateClientVpnEndpointCommand,
  DescribeClientVpnAuthorizationRulesCommand,
  DescribeClientVpnEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { createAwsClient } from '../../../functions/aws/clients.js';
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
  const ec2 = createAwsClient(EC2Client, {});
  try {
    const created = await ec2.send(
      new CreateClientVpnEndpointCommand({
        ClientCidrBlock: input.clientCidr,
        ServerCertificateArn: input.serverCertificateArn,
        AuthenticationOptions: [
          {
            Type: 'certificate-authentication',
            MutualAuthentication: { ClientRootCertificateChainArn: input.clientRootCertificateChainArn },
          },
        ],
        ConnectionLogOptions: { Enabled: true, CloudwatchLogGroup: input.connectionLogGroup },
        SplitTunnel: true,
        VpcId: input.vpcId,
        Description: 'cachegate: certificate access to the cache',
      }),
    );
    const endpointId = created.ClientVpnEndpointId as string;
    for (const subnet of plan.associations) {
      await ec2.send(
        new AssociateClientVpnTargetNetworkCommand({
          ClientVpnEndpointId: endpointId,
          SubnetId: subnet.subnetId,
        }),
      );
    }
    for (const cidr of plan.authorizations) {
      await ec2.send(
        new AuthorizeClientVpnIngressCommand({
          ClientVpnEndpointId: endpointId,
          TargetNetworkCidr: cidr,
          AuthorizeAllGroups: true,
          Description: `cache subnet ${cidr}`,
        }),
      );
    }
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      const [endpoint] =
        (await ec2.send(new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [endpointId] })))
          .ClientVpnEndpoints ?? [];
      const rules =
        (await ec2.send(new DescribeClientVpnAuthorizationRulesCommand({ ClientVpnEndpointId: endpointId })))
          .AuthorizationRules ?? [];
      const rulesActive =
        rules.length === plan.authorizations.length && rules.every((r) => r.Status?.Code === 'active');
      if (endpoint?.Status?.Code === 'available' && rulesActive) {
        return { endpointId, dnsName: endpoint.DnsName as string, plan };
      }
      await input.pause(POLL_MS);
    }
    throw new CachegateError(
      'ENDPOINT_NOT_READY',
      `Client VPN endpoint ${endpointId} did not become available with active authorization rules`,
    );
  } finally {
    ec2.destroy();
  }
}
