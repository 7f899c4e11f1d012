import * as z from 'zod';
import { serviceNow } from '../aws/service-clock.js';
import { CRL_STORE_TABLE } from '../aws/table-definitions.js';
import { gatherVpnPosture } from '../aws/vpn-posture.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { reportPostureHalf } from '../commons/posture-half.js';
import { DEFAULT_POSTURE_POLICY } from '../core/posture/findings.js';
import { auditVpnPosture } from '../core/posture/vpn-findings.js';

/**
 * The Client VPN half of the scheduled posture audit (statemachines/audit-posture.asl.json): the
 * region's endpoints (CRL, server certificate, authorization rules, logging) and the stack CA's
 * client certificates, read-only, judged by the same rules as `cachegate audit`. Logs each
 * finding, returns the counts per severity.
 */
export const handler = lambdaHandler(z.object({}), async () => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const snapshot = await gatherVpnPosture({
    region,
    cacheSubnetCidrs: (process.env.CACHE_SUBNET_CIDRS ?? '').split(',').filter(Boolean),
    withCa: process.env.CA_CERT_SECRET_ARN !== undefined,
    withCrlStore: process.env[CRL_STORE_TABLE.envVar] !== undefined,
  });
  return reportPostureHalf('vpn', region, auditVpnPosture(snapshot, DEFAULT_POSTURE_POLICY, serviceNow()));
});
