import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  userId: z.string().check(z.minLength(1)),
  service: cacheServiceSchema,
});

/**
 * Adds the user to the group unless it is there or on its way. A group that is busy makes
 * ModifyUserGroup fail with InvalidUserGroupStateFault, which the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId, service }) => {
  const cache = cacheRbac(service);
  const group = await cache.describeUserGroup(userGroupId);
  if (!group) throw new NotFoundError(`user group ${userGroupId} does not exist`);
  const requested = membershipConvergence(group, userId, true) === 'needs-change';
  if (requested) await cache.modifyUserGroup(userGroupId, { add: [userId] });
  logger.info('user group membership requested', { userGroupId, userId, requested });
  return { userGroupId, requested };
});
