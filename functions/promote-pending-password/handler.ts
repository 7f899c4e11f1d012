import * as z from 'zod';
import { promotePendingPassword } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({
  userId: z.string().min(1),
  secretArn: z.string().min(1),
  pendingVersionId: z.string().min(1),
});

/** AWSPENDING → AWSCURRENT, old current → AWSPREVIOUS; a re-run does only what is left. */
export const handler = lambdaHandler(inputSchema, async ({ userId, secretArn, pendingVersionId }) => {
  const promoted = await promotePendingPassword({ secretArn, pendingVersionId });
  logger.info('pending password promoted', { userId, secretArn, ...promoted });
  return promoted;
});
