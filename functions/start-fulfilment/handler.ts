import * as z from 'zod/mini';
import { assertApproved } from '../core/access-request.js';
import { getApproval, getRequest, updateRequest } from '../aws/access-requests-table.js';
import { approvalSettings } from '../commons/approval-settings.js';
import { startExecution } from '../aws/step-functions.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  stateMachineArns: z.object({
    'cache-user': z.string().check(z.minLength(1)),
    'vpn-certificate': z.string().check(z.minLength(1)),
  }),
});

/**
 * Starts the workflow that grants an approved request, after checking the recorded decision
 * again (approved, by an allowed approver who is not the requester, inside the window): the
 * workflow reaching this step proves nothing by itself. The execution is named after the
 * request, so a retried start cannot launch a second one.
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId, stateMachineArns }) => {
  const request = await getRequest(requestId);
  const approval = request.approvalId ? await getApproval(request.approvalId) : undefined;
  assertApproved(request, approval, approvalSettings().approvers);
  // The name and the input follow from the request, so a name already taken is this request's
  // own earlier start (a retried step after the grant ended): it is the execution to follow.
  const { executionArn } = await startExecution(stateMachineArns[request.kind.type], `access-${requestId}`, {
    requestId,
    requestedBy: request.requester,
    ...request.kind,
  });
  await updateRequest(requestId, { status: 'APPROVED', executionArn }, new Date());
  logger.info('fulfilment started', { requestId, executionArn });
  return { executionArn };
});
