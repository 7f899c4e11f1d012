import { z } from 'zod';
import { describeUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { NotFoundError } from '../core/errors.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({
  userGroupId: z.string().min(1),
  userId: z.string().min(1),
  member: z.boolean(),
});

/**
 * Polled between Wait states: settled only when the group is active, has no PendingChanges and
 * the user is (or is not) a member, as asked.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId, member }) => {
  const group = await describeUserGroup(userGroupId);
  if (!group) {
    if (member) throw new NotFoundError(`user group ${userGroupId} does not exist`);
    return { userGroupId, status: 'absent', convergence: 'settled' };
  }
  return { userGroupId, status: group.status, convergence: membershipConvergence(group, userId, member) };
});
