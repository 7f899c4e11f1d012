import * as z from 'zod/mini';
import { cacheRbac } from '../aws/cache-rbac.js';
import { describeServerlessCache } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { cacheServiceSchema } from '../core/rbac/cache-service.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  userId: z.string().check(z.minLength(1)),
  member: z.boolean(),
  service: cacheServiceSchema,
});

/**
 * Polled between Wait states: settled only when the group is active, has no PendingChanges and
 * the user is (or is not) a member, as asked, and every serverless cache using the group is
 * `available` again (it takes the group's change in after the group: `modifying` meanwhile).
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId, member, service }) => {
  const group = await cacheRbac(service).describeUserGroup(userGroupId);
  if (!group) {
    if (member) throw new NotFoundError(`user group ${userGroupId} does not exist`);
    return { userGroupId, status: 'absent', convergence: 'settled' };
  }
  const caches = await Promise.all(group.serverlessCacheIds.map((name) => describeServerlessCache(name)));
  const cacheStatuses = caches.flatMap((cache) => (cache ? [cache.status] : []));
  return {
    userGroupId,
    status: group.status,
    convergence: membershipConvergence(group, userId, member, cacheStatuses),
  };
});
