import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  engine: z.enum(['redis', 'valkey']),
  userIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  service: cacheServiceSchema,
});

/**
 * Creates the user group with its members (the locked default user among them), or with
 * `service: memorydb` the ACL with its users. A retry that finds the same group counts as
 * created; a different one is a ConflictError.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, engine, userIds, service }) => {
  const group = await cacheRbac(service).createUserGroup(userGroupId, engine, userIds);
  logger.info('user group created', { service, userGroupId, status: group.status });
  return { userGroupId, status: group.status };
});
