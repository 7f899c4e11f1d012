import * as z from 'zod/mini';
import { describeUserGroup, listUsers } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { defaultUserSwapConvergence } from '../core/rbac/convergence.js';
import { otherDefaultMembers } from '../core/rbac/default-user.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  defaultUserId: z.string().check(z.minLength(1)),
});

/**
 * Polled between Wait states: settled only when the group is active, has no PendingChanges and
 * its one member named `default` is the locked default user.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, defaultUserId }) => {
  const [group, users] = await Promise.all([describeUserGroup(userGroupId), listUsers()]);
  if (!group) throw new NotFoundError(`user group ${userGroupId} does not exist`);
  const replaced = otherDefaultMembers(group, defaultUserId, users);
  return {
    userGroupId,
    status: group.status,
    convergence: defaultUserSwapConvergence(group, defaultUserId, replaced),
  };
});
