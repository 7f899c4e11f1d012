import { revocationOutcome } from '../core/api/access-requests.js';
import { finishRevocation, type StoredRequest } from '../aws/access-requests-table.js';
import { describeExecution } from '../aws/step-functions.js';
import { logger } from '../commons/powertools.js';

/**
 * A REVOKING request reaches its end state when its `revoke-<requestId>` execution has ended:
 * REVOKED if it succeeded, REVOKE_FAILED otherwise. Checked when the request is read (one
 * DescribeExecution, only while REVOKING) and recorded once with a conditional write. If Step
 * Functions cannot tell (unknown execution, throttled), the request shows REVOKING.
 */
export async function withRevocationOutcome(request: StoredRequest, now: Date): Promise<StoredRequest> {
  if (request.status !== 'REVOKING' || !request.revocationExecutionArn) return request;
  let execution;
  try {
    execution = await describeExecution(request.revocationExecutionArn);
  } catch (error) {
    logger.warn('could not read the revocation execution', { requestId: request.requestId, error });
    return request;
  }
  if (!execution) return request;
  const outcome = revocationOutcome(execution.status);
  if (!outcome) return request;
  const recorded = await finishRevocation(request.requestId, outcome, now);
  logger.info('revocation ended', { requestId: request.requestId, status: recorded });
  return { ...request, status: recorded, updatedAt: now.toISOString() };
}
