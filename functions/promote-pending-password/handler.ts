import * as z from 'zod/mini';
import { promotePendingPassword } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  pendingVersionId: z.string().check(z.minLength(1)),
});

/** AWSPENDING → AWSCURRENT, old current → AWSPREVIOUS; a re-run does only what is left. */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretArn, pendingVersionId }) => {
  const promoted = await promotePendingPassword({ secretArn, pendingVersionId });
  logger.info('pending password promoted', { userId, secretArn, ...promoted });
  return promoted;
});
