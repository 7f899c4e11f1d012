import { z } from 'zod';
import { verifyPendingPassword } from '../aws/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  userId: z.string().min(1),
  secretArn: z.string().min(1),
  pendingVersionId: z.string().min(1),
});

/** `AUTH user <pending>` through the connectivity probe (skipped when no probe endpoint is configured). */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretArn, pendingVersionId }) => {
  const outcome = await verifyPendingPassword({ secretArn, pendingVersionId });
  logger.info('pending password checked', { userId, result: outcome.result });
  return outcome;
});
