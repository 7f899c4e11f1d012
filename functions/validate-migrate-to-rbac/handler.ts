import { cacheRbac } from '../aws/cache-rbac.js';
import { describeServerlessCache } from '../aws/elasticache.js';
import { describeSecret, readCurrentSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { validateAuthToken } from '../core/auth-token-policy.js';
import { migrateToRbacRequestSchema, planMigration } from '../core/rbac/migration.js';
import { rejectForeignUserSecret } from '../core/rbac/user-secret.js';

/**
 * First step of migrate-to-rbac: checks the replication group (TLS on, an engine version with
 * RBAC, no other user group, on AUTH: the named token secret readable and holding a valid token),
 * the users, the new group and its locked default user, and the quotas. Nothing is changed
 * before this passes; a replication group without in-transit encryption is refused here.
 * With `serverlessCacheName` the same for a serverless cache that has no user group yet.
 * With `service: memorydb` the same for a cluster on `open-access` and a new ACL (no default user).
 */
export const handler = lambdaHandler(migrateToRbacRequestSchema, async (request) => {
  const cache = cacheRbac(request.service);
  const replicationGroup =
    request.serverless && request.service === 'elasticache'
      ? await describeServerlessCache(request.replicationGroupId)
      : await cache.describeReplicationGroup(request.replicationGroupId);
  const [engineVersion, users, userGroups] = await Promise.all([
    replicationGroup && !request.serverless
      ? cache.describeEngineVersion(request.replicationGroupId)
      : replicationGroup?.engineVersion,
    cache.listUsers(),
    cache.listUserGroups(),
  ]);
  const suffix = request.service === 'memorydb' ? 'acl' : 'users';
  const requestedGroupId = request.userGroupId ?? `${request.replicationGroupId}-${suffix}`;
  const plan = planMigration(request, {
    replicationGroup,
    userGroup: userGroups.find((g) => g.userGroupId === requestedGroupId),
    users,
    userGroupCount: userGroups.length,
    authTokenSecret: replicationGroup?.authTokenEnabled
      ? await readTokenSecret(request.authTokenSecretArn)
      : undefined,
    ...(engineVersion === undefined ? {} : { engineVersion }),
  });
  if (plan.defaultUser?.create) {
    const secret = await describeSecret(plan.defaultUser.secretName);
    rejectForeignUserSecret(secret, plan.defaultUser.userId, 'defaultUserId');
  }
  logger.info('migration to RBAC planned', {
    onAuth: plan.authToken !== undefined,
    service: plan.service,
    replicationGroupId: plan.replicationGroupId,
    serverless: plan.serverless,
    userGroupId: plan.userGroupId,
    memberIds: plan.memberIds,
    createUserGroup: plan.createUserGroup,
  });
  return plan;
});

/** The token secret's current version and whether its value is a valid AUTH token (never the value). */
async function readTokenSecret(arn: string | undefined) {
  if (arn === undefined) return undefined;
  const current = await readCurrentSecretVersion(arn);
  if (!current) return undefined;
  const check = validateAuthToken(current.value);
  return { arn: current.arn, versionId: current.versionId, ...(check.ok ? {} : { problem: check.reason }) };
}
