import { cidrContains, parseIpv4Cidr } from './client-cidr.js';

export interface EndpointAuthorization {
  readonly cidr: string;
  /** Client VPN status: only `active` rules let traffic through. */
  readonly status: string;
}

export interface ReachabilityInput {
  /** The cache node's private IPv4 address. */
  readonly address: string;
  readonly port: number;
  readonly authorizations: readonly EndpointAuthorization[];
  /** Destinations the endpoint routes: the VPC CIDR (added by association) and explicit routes. */
  readonly routedCidrs: readonly string[];
  /** The port the cache's security group opens to the endpoint's security group. */
  readonly openPort: number;
}

export type Reachability =
  { readonly reachable: true; readonly via: string } | { readonly reachable: false; readonly reason: string };

/**
 * Whether a connected client reaches the cache node, following Client VPN's three gates in the
 * order traffic meets them: a route to the destination, an active authorization rule covering it,
 * then the cache's security group admitting the endpoint's group on the port.
 */
export function cacheReachability(input: ReachabilityInput): Reachability {
  const host = parseIpv4Cidr(`${input.address}/32`, 'address');
  const covers = (cidr: string): boolean => cidrContains(parseIpv4Cidr(cidr), host);
  if (!input.routedCidrs.some(covers)) {
    return { reachable: false, reason: `no route to ${input.address} on the endpoint` };
  }
  const rule = input.authorizations.find((a) => covers(a.cidr));
  if (rule === undefined) {
    return { reachable: false, reason: `no authorization rule covers ${input.address}` };
  }
  if (rule.status !== 'active') {
    return { reachable: false, reason: `the authorization rule for ${rule.cidr} is ${rule.status}` };
  }
  if (input.port !== input.openPort) {
    return {
      reachable: false,
      reason: `the cache security group opens port ${input.openPort} to the endpoint, not ${input.port}`,
    };
  }
  return { reachable: true, via: `authorization rule ${rule.cidr}, port ${input.port}` };
}
