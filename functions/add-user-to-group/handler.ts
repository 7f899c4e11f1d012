import { z } from 'zod';
import { describeUserGroup, modifyUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { NotFoundError } from '../core/errors.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({ userGroupId: z.string().min(1), userId: z.string().min(1) });

/**
 * Adds the user to the group unless it is there or on its way. A group that is busy makes
 * ModifyUserGroup fail with InvalidUserGroupStateFault, which the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId }) => {
  const group = await describeUserGroup(userGroupId);
  if (!group) throw new NotFoundError(`user group ${userGroupId} does not exist`);
  const requested = membershipConvergence(group, userId, true) === 'needs-change';
  if (requested) await modifyUserGroup(userGroupId, { add: [userId] });
  logger.info('user group membership requested', { userGroupId, userId, requested });
  return { userGroupId, requested };
});
