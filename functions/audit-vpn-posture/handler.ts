import * as z from 'zod/mini';
import { gatherEndpointPosture } from '../aws/endpoint-posture.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { reportPosturePart } from '../commons/posture-part.js';
import { DEFAULT_POSTURE_POLICY } from '../core/posture/findings.js';
import { auditEndpointPosture, endpointCrls } from '../core/posture/vpn-findings.js';

/**
 * The Client VPN endpoints' part of the scheduled posture audit
 * (statemachines/audit-posture.asl.json): the region's endpoints (CRL presence, origin and expiry,
 * server certificate, authorization rules, logging), read-only, judged by the same rules as
 * `cachegate audit`. Logs each finding, returns the counts per severity and, for the CA stores'
 * part, what it compares: the endpoints' CRLs from the CA (number and digest) and their server
 * certificates' serials, one small entry per endpoint.
 */
export const handler = lambdaHandler(z.object({}), async () => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const { snapshot, serverSerials } = await gatherEndpointPosture({
    region,
    cacheSubnetCidrs: (process.env.CACHE_SUBNET_CIDRS ?? '').split(',').filter(Boolean),
    withCa: process.env.CA_CERT_SECRET_ARN !== undefined,
  });
  const findings = auditEndpointPosture(snapshot, DEFAULT_POSTURE_POLICY, serviceNow());
  return {
    ...reportPosturePart('vpn', region, findings),
    endpointCrls: endpointCrls(snapshot.vpnEndpoints),
    serverSerials,
  };
});
