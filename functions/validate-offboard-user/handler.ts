import { cacheRbac } from '../aws/cache-rbac.js';
import { describeSecret } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { offboardUserRequestSchema, planOffboarding } from '../core/rbac/offboarding.js';
import { isManagedUserSecret, userSecretName } from '../core/rbac/user-secret.js';

/**
 * First step of offboard-user: finds every user group holding the user (members and pending
 * additions) and the user's secret. Nothing is changed before this passes.
 */
export const handler = lambdaHandler(offboardUserRequestSchema, async (request) => {
  const cache = cacheRbac(request.service);
  const [user, userGroups, secret] = await Promise.all([
    cache.describeUser(request.userId),
    cache.listUserGroups(),
    describeSecret(userSecretName(request.userId, request.service)),
  ]);
  const secretExists = secret !== undefined && isManagedUserSecret(secret.tags, request.userId);
  const plan = planOffboarding(request, {
    user,
    userGroups,
    secretExists,
    secretScheduledForDeletion: secretExists && secret.deletionDate !== undefined,
  });
  logger.info('offboarding planned', {
    service: plan.service,
    userId: plan.userId,
    userExists: plan.userExists,
    userGroupIds: plan.userGroupIds,
  });
  return plan;
});
