import * as z from 'zod/mini';
import { storePendingPassword } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { clientRequestToken } from '../core/rbac/client-request-token.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  executionName: z.string().check(z.minLength(1)),
});

/**
 * Generates the new password and stores it as AWSPENDING, or reuses the AWSPENDING version a
 * rotation in progress left. The version ID derives from the execution and the user, so a retry
 * is the same version. Only the version ID leaves this step.
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretArn, executionName }) => {
  const token = clientRequestToken('rotate-password', executionName, userId);
  const pending = await storePendingPassword({ userId, secretArn, token });
  logger.info('pending password stored', { userId, secretArn, ...pending });
  return pending;
});
