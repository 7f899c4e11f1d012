import * as z from 'zod/mini';
import { setRotationPasswords } from '../use-cases/rotation-steps.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  userId: z.string().check(z.minLength(1)),
  secretArn: z.string().check(z.minLength(1)),
  pendingVersionId: z.string().check(z.minLength(1)),
  currentVersionId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
});

/**
 * ModifyUser (ElastiCache) or UpdateUser (MemoryDB) with [pending, current], read from Secrets
 * Manager by version; InvalidUserStateFault is retried by the workflow.
 */
export const handler = lambdaHandler(inputSchema, async (request) => {
  const result = await setRotationPasswords(request);
  logger.info('rotation passwords set', { userId: request.userId, status: result.status });
  return result;
});
