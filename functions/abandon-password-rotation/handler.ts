import * as z from 'zod/mini';
import { abandonRotation } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

/**
 * `request` is the rotation's state as the failure left it: the workflow input (`userId`, and
 * `service` unless it was left to default) with whatever the failed run added. A failure in the
 * first step leaves no result to read the service from, so it is read from the input here.
 */
const inputSchema = z.object({
  request: z.object({ userId: z.string().check(z.minLength(1)), service: cacheServiceSchema }),
  owner: z.string().check(z.minLength(1)),
});

/** On failure: releases this run's claim on the user; AWSCURRENT stays valid and the next run reuses AWSPENDING. */
export const handler = lambdaHandler(inputSchema, async ({ request: { userId, service }, owner }) => {
  await abandonRotation({ userId, owner, service });
  logger.warn('rotation abandoned', { userId, service });
  return { userId };
});
