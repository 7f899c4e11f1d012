import { z } from 'zod';
import { describeUserGroup } from '../aws/elasticache.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { userGroupConvergence } from '../core/rbac/convergence.js';

const inputSchema = z.object({ userGroupId: z.string().min(1), userIds: z.array(z.string().min(1)) });

/** Polled between Wait states: settled when the group is active with exactly these members. */
export const handler = lambdaHandler(inputSchema, async ({ userGroupId, userIds }) => {
  const group = await describeUserGroup(userGroupId);
  return {
    userGroupId,
    status: group?.status ?? 'absent',
    convergence: userGroupConvergence(group, userIds),
  };
});
