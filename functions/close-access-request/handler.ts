import * as z from 'zod/mini';
import { auditEvent } from '../core/audit-event.js';
import { expireApproval, getRequest, updateRequest } from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  outcome: z.enum(['FULFILLED', 'REJECTED', 'FAILED']),
  reason: z.optional(z.string().check(z.maxLength(200))),
});

/** Last step: records the outcome and tells the requester (through the audit bus). */
export const handler = lambdaHandler(inputSchema, async ({ requestId, outcome, reason }) => {
  const request = await getRequest(requestId);
  // An approval still pending now (the workflow timed out waiting) can no longer be given.
  if (request.approvalId) await expireApproval(request.approvalId, new Date());
  if (request.status !== outcome) {
    await updateRequest(requestId, { status: outcome }, new Date());
    await publishAuditEvent(
      auditEvent(
        'AccessRequestClosed',
        'cachegate',
        new Date(),
        { outcome, notify: request.requester, ...(reason ? { reason } : {}) },
        requestId,
      ),
    );
  }
  logger.info('access request closed', { requestId, outcome });
  return { requestId, outcome };
});
