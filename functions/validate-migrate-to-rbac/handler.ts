import { cacheRbac } from '../aws/cache-rbac-port.js';
import { describeSecret } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { migrateToRbacRequestSchema, planMigration } from '../core/rbac/migration.js';
import { rejectForeignUserSecret } from '../core/rbac/user-secret.js';

/**
 * First step of migrate-to-rbac: checks the replication group (TLS on, an engine version with
 * RBAC, no other user group),
 * the users, the new group and its locked default user, and the quotas. Nothing is changed
 * before this passes; a replication group without in-transit encryption is refused here.
 * With `service: memorydb` the same for a cluster on `open-access` and a new ACL (no default user).
 */
export const handler = lambdaHandler(migrateToRbacRequestSchema, async (request) => {
  const cache = cacheRbac(request.service);
  const replicationGroup = await cache.describeReplicationGroup(request.replicationGroupId);
  const [engineVersion, users, userGroups] = await Promise.all([
    replicationGroup ? cache.describeEngineVersion(request.replicationGroupId) : undefined,
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
    ...(engineVersion === undefined ? {} : { engineVersion }),
  });
  if (plan.defaultUser?.create) {
    const secret = await describeSecret(plan.defaultUser.secretName);
    rejectForeignUserSecret(secret, plan.defaultUser.userId, 'defaultUserId');
  }
  logger.info('migration to RBAC planned', {
    service: plan.service,
    replicationGroupId: plan.replicationGroupId,
    userGroupId: plan.userGroupId,
    memberIds: plan.memberIds,
    createUserGroup: plan.createUserGroup,
  });
  return plan;
});
