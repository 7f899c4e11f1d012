import { describeUserGroup, listUsers } from '../aws/elasticache.js';
import { describeSecret } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { hardenDefaultUserRequestSchema, planHardening } from '../core/rbac/default-user.js';
import { rejectForeignUserSecret } from '../core/rbac/user-secret.js';

/**
 * First step of harden-default-user: checks the group, the new default user's ID and the quota,
 * and finds the members named `default` to replace. Nothing is changed before this passes.
 */
export const handler = lambdaHandler(hardenDefaultUserRequestSchema, async (request) => {
  const [users, userGroup] = await Promise.all([listUsers(), describeUserGroup(request.userGroupId)]);
  const plan = planHardening(request, { users, userGroup });
  if (plan.defaultUser.create) {
    const secret = await describeSecret(plan.defaultUser.secretName);
    rejectForeignUserSecret(secret, plan.defaultUser.userId, 'defaultUserId');
  }
  logger.info('default user hardening planned', {
    userGroupId: plan.userGroupId,
    defaultUserId: plan.defaultUser.userId,
    create: plan.defaultUser.create,
    replacedUserIds: plan.replacedUserIds,
  });
  return plan;
});
