/**
 * The Secrets Manager rotation contract (createSecret → setSecret → testSecret → finishSecret,
 * the version ID being the `ClientRequestToken`) on top of the same rotation core and adapters
 * as the rotate-password workflow. Secrets Manager retries a failed rotation with the same
 * token, so every step is idempotent; nothing here sleeps: a step that finds the cache not yet
 * ready throws RotationNotReadyError and the retry picks it up.
 */
import { auditEvent } from '../core/audit-event.js';
import { UserBusyError } from '../core/errors.js';
import type { CacheService } from '../core/rbac/cache-service.js';
import { userBusyReason } from '../core/rbac/user-claim.js';
import { USER_ID_TAG, isManagedUserSecret, serviceOfUserSecretName } from '../core/rbac/user-secret.js';
import { RotationNotReadyError, RotationRefusedError } from '../core/rotation/errors.js';
import { labelMove } from '../core/rotation/plan.js';
import { checkRotationToken, type RotationStep } from '../core/rotation/secrets-manager-contract.js';
import { stagesOf } from '../core/rotation/stages.js';
import { AUTH_TOKEN_SECRET_PREFIX } from '../core/rbac/migration.js';
import { rbacIdentifier } from '../core/rbac/identifier.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import { describeSecret, type SecretDescription } from '../aws/secrets.js';
import { serviceNow } from '../aws/service-clock.js';
import { releaseUserClaim } from '../aws/user-claims.js';
import { moveVersionStage } from '../aws/rotation-secrets.js';
import { nativeRotationOwner, takeUserClaimRecovering } from './claim-recovery.js';
import {
  checkTokenChange,
  releaseTokenClaim,
  rotateInPendingToken,
  storePendingToken,
  takeTokenClaim,
  verifyTokens,
} from './auth-token-rotation-steps.js';
import {
  checkRotationPasswords,
  promotePendingPassword,
  setRotationPasswords,
  storePendingPassword,
  verifyPendingPassword,
} from './rotation-steps.js';

/**
 * Marks the version whose passwords were sent to the cache: a retried setSecret must not issue
 * ModifyUser again once the user is settled with them (each ModifyUser restarts `modifying`, and
 * testSecret would never see the user settle).
 */
export const PASSWORDS_SET_LABEL = 'CACHEGATE_PASSWORDS_SET';

/**
 * Marks the version whose native rotation was audited: finishSecret publishes the audit event
 * before it promotes the version (while it is still AWSPENDING, so Secrets Manager's reattempt
 * of a failed finishSecret comes back to it), and a reattempt after the event went out skips it.
 */
export const AUDITED_LABEL = 'CACHEGATE_AUDITED';

/** The actor of a native rotation's audit event: nobody asked, Secrets Manager's schedule did. */
export const NATIVE_ROTATION_ACTOR = 'secrets-manager-rotation';

export async function runRotationStep(step: RotationStep, secretId: string, token: string): Promise<string> {
  const seen = await describeSecret(secretId);
  if (!seen) throw new RotationRefusedError(`secret ${secretId} does not exist`);
  const userId = seen.tags[USER_ID_TAG] ?? '';
  // An AUTH token secret (cachegate/elasticache/auth-tokens/<replication group>): the token contract.
  if (seen.name.startsWith(AUTH_TOKEN_SECRET_PREFIX)) return runTokenRotationStep(step, seen, token);
  // The name's prefix says whose user it is (cachegate/elasticache/users/ or cachegate/memorydb/users/).
  const service = serviceOfUserSecretName(seen.name);
  if (!isManagedUserSecret(seen.tags, userId) || service === undefined) {
    throw new RotationRefusedError(`secret ${seen.arn} is not a cachegate user secret`);
  }
  const owner = nativeRotationOwner(token);
  if (checkRotationToken(step, token, seen.versionStages).kind === 'done') {
    await releaseUserClaim({ userId, service, owner });
    return `version ${token} is already AWSCURRENT`;
  }
  const claim = await takeUserClaimRecovering({
    userId,
    service,
    owner,
    holder: 'native-rotation',
    now: serviceNow(),
  });
  if (!claim.taken) {
    throw new UserBusyError(`${userBusyReason(userId, claim.holder)}; nothing was changed`);
  }
  // Read again under the claim: the secret read above may predate another run's rotation that
  // completed this very version (rotate-password fills and promotes an empty AWSPENDING version).
  const secret = (await describeSecret(secretId)) ?? seen;
  const check = checkRotationToken(step, token, secret.versionStages);
  if (check.kind === 'done') {
    await releaseUserClaim({ userId, service, owner });
    return check.reason;
  }
  const stages = stagesOf(secret.versionStages);
  const currentVersionId = stages.currentVersionId ?? '';
  switch (step) {
    case 'createSecret': {
      // Nothing reached the user yet: a refused createSecret frees the user for other workflows.
      const pending = await storePendingPassword({ userId, secretArn: secret.arn, token }).catch(
        async (error: unknown) => {
          await releaseUserClaim({ userId, service, owner });
          throw error;
        },
      );
      if (pending.versionId !== token) {
        await releaseUserClaim({ userId, service, owner });
        throw new RotationRefusedError(
          `another rotation is in progress (AWSPENDING is version ${pending.versionId}, not ${token})`,
        );
      }
      return `AWSPENDING version ${token} ready`;
    }
    case 'setSecret': {
      const marked = secret.versionStages[token]?.includes(PASSWORDS_SET_LABEL) ?? false;
      if (marked) return `passwords of version ${token} already sent`;
      await setRotationPasswords({
        userId,
        secretArn: secret.arn,
        pendingVersionId: token,
        currentVersionId,
        service,
      });
      await moveVersionStage(secret.arn, labelMove(secret.versionStages, PASSWORDS_SET_LABEL, token));
      return `user ${userId} is being set to [pending, current]`;
    }
    case 'testSecret': {
      const { convergence, status } = await checkRotationPasswords(userId, service);
      if (convergence !== 'settled') {
        throw new RotationNotReadyError(`user ${userId} is ${status}, not yet active with two passwords`);
      }
      const { result } = await verifyPendingPassword({
        secretArn: secret.arn,
        pendingVersionId: token,
        service,
      });
      return `pending password ${result}`;
    }
    case 'finishSecret': {
      await auditNativeRotation(secret, userId, service, token);
      const promoted = await promotePendingPassword({ secretArn: secret.arn, pendingVersionId: token });
      await releaseUserClaim({ userId, service, owner });
      return `version ${promoted.currentVersionId} is AWSCURRENT`;
    }
  }
}

/**
 * The same contract for an AUTH token secret named `cachegate/elasticache/auth-tokens/<replication
 * group>`: createSecret stores a new token, setSecret sends `ROTATE` (old and new both accepted),
 * testSecret waits for the group to settle and tries both tokens through the probe (when the
 * function has one), finishSecret promotes. The previous token stays accepted: clients re-read
 * the secret at their own pace, and rotate-auth-token's `SET` (or the next rotation's `ROTATE`,
 * which replaces the older of two tokens) retires it. The claim is the group's token claim.
 */
async function runTokenRotationStep(
  step: RotationStep,
  secret: SecretDescription,
  token: string,
): Promise<string> {
  const parsed = rbacIdentifier.safeParse(secret.name.slice(AUTH_TOKEN_SECRET_PREFIX.length));
  if (!parsed.success) {
    throw new RotationRefusedError(
      `secret ${secret.arn} must be named ${AUTH_TOKEN_SECRET_PREFIX}<replication group ID> to be rotated`,
    );
  }
  const replicationGroupId = parsed.data;
  const owner = nativeRotationOwner(token);
  const check = checkRotationToken(step, token, secret.versionStages);
  if (check.kind === 'done') {
    await releaseTokenClaim({ replicationGroupId, owner });
    return check.reason;
  }
  const claim = await takeTokenClaim({
    replicationGroupId,
    owner,
    holder: 'native-rotation',
    now: serviceNow(),
  });
  if (!claim.taken) {
    throw new UserBusyError(
      `another workflow is changing the AUTH token of ${replicationGroupId} (${claim.holder}); nothing was changed`,
    );
  }
  const currentVersionId = stagesOf(secret.versionStages).currentVersionId ?? '';
  switch (step) {
    case 'createSecret': {
      const pending = await storePendingToken({ secretArn: secret.arn, token }).catch(
        async (error: unknown) => {
          await releaseTokenClaim({ replicationGroupId, owner });
          throw error;
        },
      );
      if (pending.versionId !== token) {
        await releaseTokenClaim({ replicationGroupId, owner });
        throw new RotationRefusedError(
          `another rotation is in progress (AWSPENDING is version ${pending.versionId}, not ${token})`,
        );
      }
      return `AWSPENDING version ${token} ready`;
    }
    case 'setSecret': {
      if (secret.versionStages[token]?.includes(PASSWORDS_SET_LABEL))
        return `token of version ${token} already sent`;
      await rotateInPendingToken({
        replicationGroupId,
        secretArn: secret.arn,
        pendingVersionId: token,
        currentVersionId,
      });
      await moveVersionStage(secret.arn, labelMove(secret.versionStages, PASSWORDS_SET_LABEL, token));
      return `replication group ${replicationGroupId} is rotating in the pending token`;
    }
    case 'testSecret': {
      const { convergence, status } = await checkTokenChange(replicationGroupId);
      if (convergence !== 'settled') {
        throw new RotationNotReadyError(
          `replication group ${replicationGroupId} is ${status}, not yet available with both tokens`,
        );
      }
      const { result } = await verifyTokens({ secretArn: secret.arn, accepted: [token, currentVersionId] });
      return `both tokens ${result}`;
    }
    case 'finishSecret': {
      const promoted = await promotePendingPassword({ secretArn: secret.arn, pendingVersionId: token });
      await releaseTokenClaim({ replicationGroupId, owner });
      return `version ${promoted.currentVersionId} is AWSCURRENT`;
    }
  }
}

/**
 * The PasswordRotated audit event of a native rotation, once per version: published, then the
 * version labelled. A failure between the two (the label move) publishes it again on the
 * reattempt, with the same version ID: a consumer counts the events naming one version as one
 * change (docs/rotation.md).
 */
async function auditNativeRotation(
  secret: { arn: string; versionStages: Record<string, string[]> },
  userId: string,
  service: CacheService,
  token: string,
): Promise<void> {
  if (secret.versionStages[token]?.includes(AUDITED_LABEL)) return;
  const previous = stagesOf(secret.versionStages).currentVersionId;
  await publishAuditEvent(
    auditEvent('PasswordRotated', NATIVE_ROTATION_ACTOR, serviceNow(), {
      userId,
      service,
      secretArn: secret.arn,
      versionId: token,
      ...(previous ? { previousVersionId: previous } : {}),
      verification: 'secrets-manager-rotation',
    }),
  );
  await moveVersionStage(secret.arn, labelMove(secret.versionStages, AUDITED_LABEL, token));
}
