import { z } from 'zod';
import { describeUserGroup, modifyUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { membershipConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({ userGroupId: z.string().min(1), userId: z.string().min(1) });

/**
 * Removes the user from the group (which ends its connections through that group) unless it is
 * gone or leaving already. A busy group fails with InvalidUserGroupStateFault: the workflow retries.
 */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userId }) => {
  const group = await describeUserGroup(userGroupId);
  const requested = group !== undefined && membershipConvergence(group, userId, false) === 'needs-change';
  if (requested) await modifyUserGroup(userGroupId, { remove: [userId] });
  logger.info('user group removal requested', { userGroupId, userId, requested });
  return { userGroupId, requested };
});
