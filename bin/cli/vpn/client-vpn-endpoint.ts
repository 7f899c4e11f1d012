import { DescribeClientVpnEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createAwsClient } from '../../../functions/aws/clients.js';
import { CachegateError, NotFoundError } from '../../../functions/core/errors.js';

export interface ClientVpnEndpointInfo {
  readonly endpointId: string;
  /** As EC2 returns it: `*.cvpn-endpoint-….prod.clientvpn.<region>.amazonaws.com`. */
  readonly dnsName: string;
  readonly status: string;
  readonly transportProtocol: 'udp' | 'tcp';
  readonly vpnPort: number;
}

/** Matches EC2's format for Client VPN endpoint IDs (17 hex digits; older IDs are shorter). */
export const CLIENT_VPN_ENDPOINT_ID = /^cvpn-endpoint-[0-9a-f]{8,17}$/;

/**
 * The endpoint's DNS name, protocol and port from EC2 DescribeClientVpnEndpoints: the values the
 * console's "Download client configuration" puts in the profile. Locally the sandbox answers.
 */
export async function describeClientVpnEndpoint(
  endpointId: string,
  region?: string,
): Promise<ClientVpnEndpointInfo> {
  const ec2 = createAwsClient(EC2Client, region === undefined ? {} : { region });
  let endpoint;
  try {
    const out = await ec2.send(new DescribeClientVpnEndpointsCommand({ ClientVpnEndpointIds: [endpointId] }));
    endpoint = out.ClientVpnEndpoints?.[0];
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'InvalidClientVpnEndpointId.NotFound') {
      throw new NotFoundError(
        `Client VPN endpoint ${endpointId} does not exist (in this account and region)`,
      );
    }
    throw new CachegateError(
      'EC2_LOOKUP_FAILED',
      `DescribeClientVpnEndpoints for ${endpointId} failed (${name}: ${(error as Error).message}); pass --dns-name to skip the lookup`,
      { cause: error },
    );
  } finally {
    ec2.destroy();
  }
  if (!endpoint?.DnsName || endpoint.Status?.Code === 'deleted') {
    throw new NotFoundError(`Client VPN endpoint ${endpointId} does not exist (or is deleted)`);
  }
  return {
    endpointId,
    dnsName: endpoint.DnsName,
    status: endpoint.Status?.Code ?? 'unknown',
    transportProtocol: endpoint.TransportProtocol === 'tcp' ? 'tcp' : 'udp',
    vpnPort: endpoint.VpnPort ?? 443,
  };
}
