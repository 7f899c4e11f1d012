import { z } from 'zod';
import { abandonRotation } from '../aws/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';

const inputSchema = z.object({ userId: z.string().min(1), owner: z.string().min(1) });

/** On failure: releases this run's lock; AWSCURRENT stays valid and the next run reuses AWSPENDING. */
export const handler = lambdaHandler(inputSchema, async ({ userId, owner }) => {
  await abandonRotation({ userId, owner });
  logger.warn('rotation abandoned', { userId });
  return { userId };
});
