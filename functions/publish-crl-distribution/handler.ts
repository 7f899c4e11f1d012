import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { putCrlEndpointsBehind } from '../aws/cloudwatch-metrics.js';
import { serviceNow } from '../aws/service-clock.js';
import { parseEndpointLocations } from '../core/crl-refresh/endpoint-locations.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { auditEvent } from '../core/audit-event.js';
import { summarizeDistribution } from '../core/crl-refresh/distribution-summary.js';
import { crlRefSchema } from '../core/crl-refresh/workflow-inputs.js';

const outcomeSchema = z.object({
  endpointId: z.string(),
  status: z.enum(['updated', 'unchanged', 'deferred', 'behind']),
  terminatedConnectionIds: z.optional(z.array(z.string())),
  reasons: z.optional(z.array(z.string())),
  error: z.optional(z.string()),
});

const inputSchema = z.object({
  purpose: z.enum(['revocation', 'refresh']),
  crl: crlRefSchema,
  outcomes: z.array(outcomeSchema),
  revoked: z.optional(z.object({ serial: z.string(), commonName: z.string() })),
  requestedBy: z._default(z.string().check(z.minLength(1)), 'cachegate'),
  requestId: z.optional(z.string()),
});

/**
 * Lists updated and behind endpoints with their region (the next refresh repairs those), publishes
 * CrlEndpointsBehind per region (its alarm names a region that is down) and, for a revocation,
 * records the `CertificateRevoked` audit event.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ purpose, crl, outcomes, revoked, requestedBy, requestId }) => {
    const locations = parseEndpointLocations(process.env);
    const ownRegion = process.env.AWS_REGION ?? 'unknown';
    const summary = summarizeDistribution(outcomes, (id) => locations[id]?.region ?? ownRegion);
    const now = serviceNow();
    await putCrlEndpointsBehind(summary.behindByRegion, now);
    if (purpose === 'revocation' && revoked) {
      await publishAuditEvent(
        auditEvent(
          'CertificateRevoked',
          requestedBy,
          now,
          {
            serial: revoked.serial,
            commonName: revoked.commonName,
            crlNumber: crl.crlNumber,
            endpointsUpdated: summary.updatedEndpoints.length,
            endpointsBehind: summary.behindEndpoints.length,
            connectionsTerminated: summary.terminatedConnectionIds.length,
          },
          requestId,
        ),
      );
    }
    if (summary.behindEndpoints.length > 0) {
      logger.warn('endpoints left behind; the next CRL refresh repairs them', {
        behind: summary.behindEndpoints.map((b) => `${b.endpointId} (${b.region})`),
      });
    }
    return { crlNumber: crl.crlNumber, ...(revoked ?? {}), ...summary };
  },
);
