import * as z from 'zod/mini';
import { rotateInPendingToken } from '../use-cases/auth-token-rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  replicationGroupId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  pendingVersionId: z.string().check(z.minLength(1)),
  currentVersionId: z.string().check(z.minLength(1)),
});

/** ModifyReplicationGroup `ROTATE` with the pending token: old and new both accepted once it settles. */
export const handler = lambdaHandler(inputSchema, async (request) => {
  const outcome = await rotateInPendingToken(request);
  logger.info('pending token rotated in', { replicationGroupId: request.replicationGroupId, ...outcome });
  return outcome;
});
