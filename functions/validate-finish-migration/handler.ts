import { describeReplicationGroup, describeUserGroup, listUsers } from '../aws/elasticache.js';
import { readCurrentSecretVersion } from '../aws/secrets.js';
import { lambdaHandler } from '../commons/lambda-handler.js';
import { logger } from '../commons/powertools.js';
import { finishMigrationRequestSchema, planFinishMigration } from '../core/rbac/finish-migration.js';

/**
 * First step of finish-migration: the replication group is on RBAC (migrate-to-rbac done), its
 * user group has a user named `default`, and the token secret is readable (the probe logs in with
 * it) unless the lock is forced. Nothing changes before this passes.
 */
export const handler = lambdaHandler(finishMigrationRequestSchema, async (request) => {
  const [replicationGroup, users, current] = await Promise.all([
    describeReplicationGroup(request.replicationGroupId),
    listUsers(),
    readCurrentSecretVersion(request.authTokenSecretArn),
  ]);
  const userGroupId = replicationGroup?.userGroupIds[0];
  const userGroup = userGroupId === undefined ? undefined : await describeUserGroup(userGroupId);
  const plan = planFinishMigration(request, {
    replicationGroup,
    userGroupMemberIds: userGroup?.userIds,
    users,
    authTokenSecret: current ? { arn: current.arn, versionId: current.versionId } : undefined,
  });
  logger.info('finish of the RBAC migration planned', {
    replicationGroupId: plan.replicationGroupId,
    defaultUserId: plan.defaultUserId,
    alreadyLocked: plan.alreadyLocked,
    forced: plan.forced,
    samplesNeeded: plan.samplesNeeded,
  });
  return plan;
});
