import { z } from 'zod';
import { deleteUser } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({ userId: z.string().min(1) });

/**
 * Starts deleting the user. A user that is not active fails with InvalidUserStateFault, which
 * the workflow retries; a user that is already gone is fine (a retry after a lost response).
 */
export const handler = lambdaHandler(inputSchema, async ({ userId }) => {
  const requested = await deleteUser(userId);
  logger.info('cache user deletion requested', { userId, requested });
  return { userId, requested };
});
