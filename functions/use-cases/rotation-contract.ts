/**
 * The Secrets Manager rotation contract (createSecret → setSecret → testSecret → finishSecret,
 * the version ID being the `ClientRequestToken`) on top of the same rotation core and adapters
 * as the rotate-password workflow. Secrets Manager retries a failed rotation with the same
 * token, so every step is idempotent; nothing here sleeps: a step that finds the cache not yet
 * ready throws RotationNotReadyError and the retry picks it up.
 */
import { UserBusyError } from '../core/errors.js';
import { USER_ID_TAG, isManagedUserSecret, serviceOfUserSecretName } from '../core/rbac/user-secret.js';
import { RotationNotReadyError, RotationRefusedError } from '../core/rotation/errors.js';
import { checkRotationToken, type RotationStep } from '../core/rotation/secrets-manager-contract.js';
import { stagesOf } from '../core/rotation/stages.js';
import { describeSecret } from '../aws/secrets.js';
import { serviceNow } from '../aws/service-clock.js';
import { releaseUserClaim, takeUserClaim } from '../aws/user-claims.js';
import { moveVersionStage } from '../aws/rotation-secrets.js';
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
 * The claim owner of a native rotation: its token, the same for all four steps and their retries.
 * Each step takes (renews) the user's claim before it changes anything, so native rotation and the
 * rotate-password workflow never interleave on one user; finishSecret releases it. A rotation
 * Secrets Manager gives up on leaves its claim to expire.
 */
export function nativeRotationOwner(token: string): string {
  return `native-rotation:${token}`;
}

export async function runRotationStep(step: RotationStep, secretId: string, token: string): Promise<string> {
  const secret = await describeSecret(secretId);
  if (!secret) throw new RotationRefusedError(`secret ${secretId} does not exist`);
  const userId = secret.tags[USER_ID_TAG] ?? '';
  // The name's prefix says whose user it is (cachegate/elasticache/users/ or cachegate/memorydb/users/).
  const service = serviceOfUserSecretName(secret.name);
  if (!isManagedUserSecret(secret.tags, userId) || service === undefined) {
    throw new RotationRefusedError(`secret ${secret.arn} is not a cachegate user secret`);
  }
  const owner = nativeRotationOwner(token);
  const check = checkRotationToken(step, token, secret.versionStages);
  if (check.kind === 'done') {
    await releaseUserClaim({ userId, service, owner });
    return check.reason;
  }
  const claim = await takeUserClaim({ userId, service, owner, holder: 'native-rotation', now: serviceNow() });
  if (!claim.taken) {
    throw new UserBusyError(
      `another workflow is changing user ${userId} (${claim.holder}); nothing was changed`,
    );
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
      const holder = Object.entries(secret.versionStages).find(([, s]) =>
        s.includes(PASSWORDS_SET_LABEL),
      )?.[0];
      await moveVersionStage(secret.arn, {
        stage: PASSWORDS_SET_LABEL,
        moveToVersionId: token,
        ...(holder ? { removeFromVersionId: holder } : {}),
      });
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
      const promoted = await promotePendingPassword({ secretArn: secret.arn, pendingVersionId: token });
      await releaseUserClaim({ userId, service, owner });
      return `version ${promoted.currentVersionId} is AWSCURRENT`;
    }
  }
}
