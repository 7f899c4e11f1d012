import * as z from 'zod/mini';
import { describeUserGroup, listUsers, modifyUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { defaultUserSwapConvergence } from '../core/rbac/convergence.js';
import { otherDefaultMembers } from '../core/rbac/default-user.js';

const inputSchema = z.object({
  userGroupId: z.string().check(z.minLength(1)),
  defaultUserId: z.string().check(z.minLength(1)),
});

/**
 * Swaps the locked default user into the group in place of every other member named `default`,
 * in one ModifyUserGroup call (a group is never without a default user), unless the swap is done
 * or under way. A busy group fails with InvalidUserGroupStateFault, which the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, defaultUserId }) => {
  const [group, users] = await Promise.all([describeUserGroup(userGroupId), listUsers()]);
  if (!group) throw new NotFoundError(`user group ${userGroupId} does not exist`);
  const replaced = otherDefaultMembers(group, defaultUserId, users);
  const requested = defaultUserSwapConvergence(group, defaultUserId, replaced) === 'needs-change';
  if (requested) {
    await modifyUserGroup(userGroupId, {
      add: group.userIds.includes(defaultUserId) ? [] : [defaultUserId],
      remove: replaced,
    });
  }
  logger.info('default user swap requested', { userGroupId, defaultUserId, replaced, requested });
  return { userGroupId, replaced, requested };
});
