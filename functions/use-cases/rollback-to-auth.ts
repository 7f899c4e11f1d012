/**
 * rollback-to-auth, run by the operator CLI (no Lambda: it polls with plain waits between
 * DescribeReplicationGroups calls). Every check comes before the one change; the group's token
 * claim is held throughout, so no token rotation interleaves.
 */
import { auditEvent } from '../core/audit-event.js';
import { validateAuthToken } from '../core/auth-token-policy.js';
import { RotationRefusedError } from '../core/rotation/errors.js';
import { parseInput } from '../core/parse-input.js';
import {
  planRollbackToAuth,
  rollbackToAuthRequestSchema,
  type RollbackPlan,
} from '../core/rbac/rollback-to-auth.js';
import { UserBusyError } from '../core/errors.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { releaseTokenClaim, takeTokenClaim } from './auth-token-rotation-steps.js';
import { describeReplicationGroup, modifyAuthToken } from '../aws/elasticache.js';
import { readCurrentSecretVersion } from '../aws/secrets.js';
import { serviceNow } from '../aws/service-clock.js';

export interface RollbackOptions {
  /** Who the claim belongs to (a unique run ID). */
  owner: string;
  /** Waits between looks at the group (default 15 s). */
  sleep?: () => Promise<void>;
  /** Looks before giving up (default 240: an hour at 15 s). */
  maxChecks?: number;
  progress?: (line: string) => void;
}

export async function rollbackToAuth(
  input: unknown,
  options: RollbackOptions,
): Promise<RollbackPlan & { secretVersionId: string; status: string }> {
  const request = parseInput(rollbackToAuthRequestSchema, input);
  const progress = options.progress ?? (() => undefined);
  const [group, secret] = await Promise.all([
    describeReplicationGroup(request.replicationGroupId),
    readCurrentSecretVersion(request.authTokenSecretArn),
  ]);
  const check = secret ? validateAuthToken(secret.value) : undefined;
  const plan = planRollbackToAuth(
    request,
    group,
    secret
      ? { readable: true, ...(check?.ok === false ? { invalidReason: check.reason } : {}) }
      : { readable: false },
  );
  // planRollbackToAuth refused an unreadable secret: it is there from here on.
  const token = secret!;
  const claim = await takeTokenClaim({
    replicationGroupId: plan.replicationGroupId,
    owner: options.owner,
    holder: 'rollback-to-auth',
    now: serviceNow(),
  });
  if (!claim.taken) {
    throw new UserBusyError(
      `another workflow is changing the AUTH token of ${plan.replicationGroupId} (${claim.holder}); nothing was changed`,
    );
  }
  try {
    progress(
      `removing user group ${plan.userGroupId} and setting the AUTH token (version ${token.versionId})`,
    );
    await modifyAuthToken(plan.replicationGroupId, token.value, 'SET', [plan.userGroupId]);
    const sleep = options.sleep ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 15_000)));
    for (let checks = 0; ; checks += 1) {
      await sleep();
      const now = await describeReplicationGroup(plan.replicationGroupId);
      const settled =
        now?.status === 'available' &&
        now.authTokenEnabled &&
        now.authTokenStatus === undefined &&
        now.userGroupIds.length === 0 &&
        now.pendingUserGroupIdsToRemove.length === 0;
      if (settled) break;
      progress(`  ${plan.replicationGroupId} is ${now?.status ?? 'gone'}`);
      if (checks + 1 >= (options.maxChecks ?? 240)) {
        throw new RotationRefusedError(
          `replication group ${plan.replicationGroupId} did not settle on AUTH after ${checks + 1} checks: look at it before retrying`,
        );
      }
    }
    await publishAuditEvent(
      auditEvent('RolledBackToAuth', request.requestedBy, serviceNow(), {
        replicationGroupId: plan.replicationGroupId,
        removedUserGroupId: plan.userGroupId,
        secretArn: token.arn,
        versionId: token.versionId,
      }),
    );
    return { ...plan, secretVersionId: token.versionId, status: 'auth' };
  } finally {
    await releaseTokenClaim({ replicationGroupId: plan.replicationGroupId, owner: options.owner });
  }
}
