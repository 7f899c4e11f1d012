import { z } from 'zod';
import { approvalIdFor } from '../core/access-request.js';
import { auditEvent } from '../core/audit-event.js';
import { getRequest, storeApproval, updateRequest } from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().min(1),
  taskToken: z.string().min(1),
  timeoutSeconds: z.number().int().positive(),
});

/**
 * Invoked with `.waitForTaskToken`: keeps the token in DynamoDB under a short approval ID and
 * announces the approval ID (never the token) to approvers through the audit bus.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId, taskToken, timeoutSeconds }) => {
  const request = await getRequest(requestId);
  const approvalId = approvalIdFor(taskToken);
  const now = new Date();
  await storeApproval(
    { approvalId, requestId, requester: request.requester, taskToken },
    new Date(now.getTime() + (timeoutSeconds + 86_400) * 1000),
  );
  await updateRequest(requestId, { approvalId }, now);
  await publishAuditEvent(
    auditEvent('ApprovalRequested', 'cachegate', now, { approvalId, kind: request.kind.type }, requestId),
  );
  logger.info('approval requested', { requestId, approvalId });
  return { approvalId };
});
