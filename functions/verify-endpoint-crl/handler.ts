import * as z from 'zod/mini';
import { publishAuditEvent } from '../aws/audit-events.js';
import { crlAuthority } from '../aws/crl-authority.js';
import { exportCrl } from '../aws/ec2-client-vpn.js';
import { serviceNow } from '../aws/service-clock.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { auditEvent } from '../core/audit-event.js';
import { importProgress } from '../core/crl-refresh/import-progress.js';
import { crlRefSchema, endpointIdSchema } from '../core/crl-refresh/workflow-inputs.js';

const inputSchema = z.object({
  endpointId: endpointIdSchema,
  crl: crlRefSchema,
  polls: z._default(z.int().check(z.gte(0)), 0),
  requestedBy: z._default(z.string().check(z.minLength(1)), 'cachegate'),
  requestId: z.optional(z.string()),
});

/**
 * One poll of an import: exports the endpoint's CRL and compares it with what was imported.
 * When it is active and equal, records the `CrlImported` audit event.
 */
export const handler = lambdaHandler(
  inputSchema,
  async ({ endpointId, crl, polls, requestedBy, requestId }) => {
    const { ca } = await crlAuthority();
    const exported = await exportCrl(endpointId);
    const state = importProgress(
      exported,
      { crlNumber: BigInt(crl.crlNumber), sha256: crl.sha256 },
      await ca.certificate(),
    );
    if (state === 'active') {
      await publishAuditEvent(
        auditEvent(
          'CrlImported',
          requestedBy,
          serviceNow(),
          { endpointId, crlNumber: crl.crlNumber },
          requestId,
        ),
      );
    }
    logger.info('CRL import checked', { endpointId, crlNumber: crl.crlNumber, state, polls: polls + 1 });
    return { state, polls: polls + 1 };
  },
);
