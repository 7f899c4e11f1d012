import { cacheRbac } from '../aws/cache-rbac.js';
import { describeServerlessCache } from '../aws/elasticache.js';
import { describeSecret } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { onboardUserRequestSchema, planOnboarding } from '../core/rbac/onboarding.js';
import { rejectForeignUserSecret, userSecretName } from '../core/rbac/user-secret.js';

/**
 * First step of onboard-user: checks the request against the account (access string for the
 * engines of the caches the groups serve, free user ID and name, groups, quotas) and returns the plan. Nothing is changed before this passes.
 */
export const handler = lambdaHandler(onboardUserRequestSchema, async (request) => {
  const cache = cacheRbac(request.service);
  const [users, userGroups, secret] = await Promise.all([
    cache.listUsers(),
    Promise.all(request.userGroupIds.map((id) => cache.describeUserGroup(id))),
    describeSecret(userSecretName(request.userId, request.service)),
  ]);
  const cacheIds = [...new Set(userGroups.flatMap((group) => group?.replicationGroupIds ?? []))];
  const described = await Promise.all(
    cacheIds.map(async (id) => {
      const found = await cache.describeReplicationGroup(id);
      return (
        found && { found, engineVersion: found.engineVersion ?? (await cache.describeEngineVersion(id)) }
      );
    }),
  );
  const serverlessNames = [...new Set(userGroups.flatMap((group) => group?.serverlessCacheIds ?? []))];
  const serverless = await Promise.all(serverlessNames.map((name) => describeServerlessCache(name)));
  const targetCaches = [
    ...described.filter((entry) => entry !== undefined),
    ...serverless
      .filter((found) => found !== undefined)
      .map((found) => ({ found, engineVersion: found.engineVersion })),
  ].map(({ found, engineVersion }) => ({
    cacheId: found.replicationGroupId,
    ...('serverless' in found ? { serverless: true } : {}),
    engine: found.engine,
    ...(engineVersion ? { engineVersion } : {}),
    ...(found.arn ? { arn: found.arn } : {}),
    transitEncryptionEnabled: found.transitEncryptionEnabled,
  }));
  const plan = planOnboarding(request, { users, userGroups, targetCaches });
  rejectForeignUserSecret(secret, request.userId, 'userId');
  logger.info('onboarding planned', {
    service: plan.service,
    userId: plan.userId,
    userGroupIds: plan.userGroupIds,
  });
  return plan;
});
