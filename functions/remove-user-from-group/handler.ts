import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  userId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
});

/**
 * Removes the user from the group (which ends its connections through that group) unless it is
 * gone or leaving already. A busy group fails with InvalidUserGroupStateFault: the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId, service }) => {
  const cache = cacheRbac(service);
  const group = await cache.describeUserGroup(userGroupId);
  const requested = group !== undefined && membershipConvergence(group, userId, false) === 'needs-change';
  if (requested) await cache.modifyUserGroup(userGroupId, { remove: [userId] });
  logger.info('user group removal requested', { userGroupId, userId, requested });
  return { userGroupId, requested };
});
