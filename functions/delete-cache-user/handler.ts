import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({ userId: z.string().check(z.minLength(1)), service: cacheServiceSchema });

/**
 * Starts deleting the user. A user that is not active fails with InvalidUserStateFault, which
 * the workflow retries; a user that is already gone is fine (a retry after a lost response).
 */
export const handler = lambdaHandler(inputSchema, async ({ userId, service }) => {
  const requested = await cacheRbac(service).deleteUser(userId);
  logger.info('cache user deletion requested', { service, userId, requested });
  return { userId, requested };
});
