import * as z from 'zod/mini';
import { expireApproval, getRequest } from '../aws/access-requests-table.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({ requestId: z.string().check(z.minLength(1)) });

/**
 * Runs when the approval wait timed out. A decision recorded inside the window whose answer
 * never reached the workflow is not lost: it is read here. Otherwise the approval is closed
 * (PENDING → EXPIRED, one conditional write, so a click racing this check either lands before
 * it and counts, or after it and is refused).
 */
export const handler = lambdaHandler(inputSchema, async ({ requestId }) => {
  const request = await getRequest(requestId);
  const decision = request.approvalId
    ? (await expireApproval(request.approvalId, new Date())).status
    : 'EXPIRED';
  logger.info('approval window ended', { requestId, decision });
  return { decision };
});
