import { describeEndpoint, type ClientVpnEndpointInfo } from '../../../functions/aws/ec2-client-vpn.js';
import { CachegateError, NotFoundError } from '../../../functions/core/errors.js';

/** Matches EC2's format for Client VPN endpoint IDs (17 hex digits; older IDs are shorter). */
export const CLIENT_VPN_ENDPOINT_ID = /^cvpn-endpoint-[0-9a-f]{8,17}$/;

/**
 * The endpoint's DNS name, protocol and port for `vpn profile`, through the EC2 adapter (locally
 * the sandbox answers), with the operator's errors: a missing endpoint, or a failed lookup that
 * `--dns-name` avoids.
 */
export async function describeClientVpnEndpoint(
  endpointId: string,
  region?: string,
): Promise<ClientVpnEndpointInfo> {
  let endpoint: ClientVpnEndpointInfo | undefined;
  try {
    endpoint = await describeEndpoint(endpointId, region);
  } catch (error) {
    const { name, message } = error as Error;
    throw new CachegateError(
      'EC2_LOOKUP_FAILED',
      `DescribeClientVpnEndpoints for ${endpointId} failed (${name}: ${message}); pass --dns-name to skip the lookup`,
      { cause: error },
    );
  }
  if (!endpoint) {
    throw new NotFoundError(`Client VPN endpoint ${endpointId} does not exist (in this account and region)`);
  }
  return endpoint;
}
