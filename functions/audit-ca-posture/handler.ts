import * as z from 'zod/mini';
import { gatherCaStorePosture } from '../aws/ca-store-posture.js';
import { serviceNow } from '../aws/service-clock.js';
import { CRL_STORE_TABLE } from '../aws/table-definitions.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { reportPosturePart } from '../commons/posture-part.js';
import { DEFAULT_POSTURE_POLICY } from '../core/posture/findings.js';
import { auditCaStorePosture } from '../core/posture/vpn-findings.js';

const HEX = /^[0-9A-Fa-f]{1,128}$/;

const inputSchema = z.object({
  endpointCrls: z
    .array(
      z.object({
        endpointId: z
          .string()
          .check(z.regex(/^cvpn-endpoint-[0-9a-f]{1,32}$/, 'must be a Client VPN endpoint ID')),
        sha256: z.string().check(z.regex(/^([0-9a-f]{64})?$/, 'must be a SHA-256 in hex')),
        crlNumber: z.optional(z.string().check(z.regex(/^\d{1,40}$/, 'must be a CRL number'))),
      }),
    )
    .check(z.maxLength(1000)),
  serverSerials: z
    .array(z.string().check(z.regex(HEX, 'must be a serial number in hex')))
    .check(z.maxLength(1000)),
});

/**
 * The CA stores' part of the scheduled posture audit (statemachines/audit-posture.asl.json), after
 * the endpoints' part: the CA's latest CRL against the endpoints' CRLs, and the client
 * certificates of its index (the endpoints' server certificates left out), read-only, judged by
 * the same rules as `cachegate audit`. Logs each finding, returns the counts per severity.
 */
export const handler = lambdaHandler(inputSchema, async ({ endpointCrls, serverSerials }) => {
  const region = process.env.AWS_REGION ?? 'unknown';
  const snapshot = await gatherCaStorePosture({
    region,
    withCrlStore: process.env[CRL_STORE_TABLE.envVar] !== undefined,
    endpointCrls,
    serverSerials,
  });
  return reportPosturePart('ca', region, auditCaStorePosture(snapshot, DEFAULT_POSTURE_POLICY, serviceNow()));
});
