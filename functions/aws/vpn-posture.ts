import type { VpnPostureSnapshot } from '../core/posture/snapshot.js';
import { endpointCrls } from '../core/posture/vpn-findings.js';
import { gatherCaStorePosture } from './ca-store-posture.js';
import { gatherEndpointPosture, type EndpointPostureOptions } from './endpoint-posture.js';

export interface VpnPostureOptions extends EndpointPostureOptions {
  /** With the CA: read its latest CRL too (false where the stack has no CRL store); default true. */
  withCrlStore?: boolean;
}

/**
 * The Client VPN half of the posture snapshot: the endpoints' part (endpoint-posture.ts) and, when
 * there is a CA, its stores' part (ca-store-posture.ts), as `cachegate audit` reads them.
 */
export async function gatherVpnPosture(options: VpnPostureOptions): Promise<VpnPostureSnapshot> {
  const endpoints = await gatherEndpointPosture(options);
  if (endpoints.caCommonName === undefined) return { ...endpoints.snapshot, clientCertificates: [] };
  const stores = await gatherCaStorePosture({
    region: options.region,
    withCrlStore: options.withCrlStore ?? true,
    endpointCrls: endpointCrls(endpoints.snapshot.vpnEndpoints),
    serverSerials: endpoints.serverSerials,
  });
  return {
    ...endpoints.snapshot,
    ca: {
      commonName: endpoints.caCommonName,
      ...(stores.latestCrl ? { latestCrl: stores.latestCrl } : {}),
    },
    clientCertificates: stores.clientCertificates,
  };
}
