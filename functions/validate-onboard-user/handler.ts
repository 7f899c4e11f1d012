import { cacheRbac } from '../aws/cache-rbac-port.js';
import { describeSecret } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { onboardUserRequestSchema, planOnboarding } from '../core/rbac/onboarding.js';
import { rejectForeignUserSecret, userSecretName } from '../core/rbac/user-secret.js';

/**
 * First step of onboard-user: checks the request against the account (access string, free user
 * ID and name, groups, quotas) and returns the plan. Nothing is changed before this passes.
 */
export const handler = lambdaHandler(onboardUserRequestSchema, async (request) => {
  const cache = cacheRbac(request.service);
  const [users, userGroups, secret] = await Promise.all([
    cache.listUsers(),
    Promise.all(request.userGroupIds.map((id) => cache.describeUserGroup(id))),
    describeSecret(userSecretName(request.userId, request.service)),
  ]);
  const plan = planOnboarding(request, { users, userGroups });
  rejectForeignUserSecret(secret, request.userId, 'userId');
  logger.info('onboarding planned', {
    service: plan.service,
    userId: plan.userId,
    userGroupIds: plan.userGroupIds,
  });
  return plan;
});
