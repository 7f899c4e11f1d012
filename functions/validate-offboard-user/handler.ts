import { describeUser, listUserGroups } from '../aws/elasticache.js';
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
  const [user, userGroups, secret] = await Promise.all([
    describeUser(request.userId),
    listUserGroups(),
    describeSecret(userSecretName(request.userId)),
  ]);
  const secretExists = secret !== undefined && isManagedUserSecret(secret.tags, request.userId);
  const plan = planOffboarding(request, { user, userGroups, secretExists });
  logger.info('offboarding planned', {
    userId: plan.userId,
    userExists: plan.userExists,
    userGroupIds: plan.userGroupIds,
  });
  return plan;
});
