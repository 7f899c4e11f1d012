import * as z from 'zod/mini';
import { approvalIdFor } from '../core/access-request.js';
import { approvalRequestMessage } from '../core/api/slack-interaction.js';
import { auditEvent } from '../core/audit-event.js';
import {
  getRequest,
  markApprovalNotified,
  storeApproval,
  updateRequest,
} from '../aws/access-requests-table.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { slackNotifier } from '../aws/slack-notifier.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  taskToken: z.string().check(z.minLength(1)),
  timeoutSeconds: z.int().check(z.positive()),
});

/**
 * Invoked with `.waitForTaskToken`: keeps the token in DynamoDB under a short approval ID,
 * announces the approval ID (never the token) on the audit bus and, when Slack is configured
 * (`SLACK_APPROVAL_CHANNEL`), posts the Approve / Reject message, once even if the step is retried.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId, taskToken, timeoutSeconds }) => {
  const request = await getRequest(requestId);
  const approvalId = approvalIdFor(taskToken);
  const now = new Date();
  // A retried step keeps the first window: the wait state's timeout started before either.
  const approval = await storeApproval(
    { approvalId, requestId, requester: request.requester, taskToken },
    new Date(now.getTime() + timeoutSeconds * 1000),
    new Date(now.getTime() + (timeoutSeconds + 86_400) * 1000),
  );
  await updateRequest(requestId, { approvalId }, now);
  const channel = process.env.SLACK_APPROVAL_CHANNEL;
  const notifier = channel ? await slackNotifier() : undefined;
  // Announced once: a retried step finds `notifiedAt` and posts nothing twice.
  if (!approval.notifiedAt) {
    if (channel && notifier)
      await notifier.postMessage(approvalRequestMessage(channel, { approvalId, ...request }));
    await publishAuditEvent(
      auditEvent('ApprovalRequested', 'cachegate', now, { approvalId, kind: request.kind.type }, requestId),
    );
    await markApprovalNotified(approvalId, now);
  }
  logger.info('approval requested', { requestId, approvalId, slack: notifier !== undefined });
  return { approvalId };
});
