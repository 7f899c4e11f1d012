import { ConflictError } from '../errors.js';
import type { UserSnapshot } from '../rbac/snapshots.js';
import type { UserSecret } from '../rbac/user-secret.js';
import { RotationRefusedError } from './errors.js';
import {
  AWSCURRENT,
  AWSPENDING,
  inProgressPendingVersion,
  stageHolder,
  type SecretStages,
} from './stages.js';

/** What rotation reads about a user's secret: never its value, only the facts it decides on. */
export interface RotationSecretView {
  arn: string;
  /** Tagged as cachegate's secret of this user. */
  managed: boolean;
  scheduledForDeletion: boolean;
  stages: SecretStages;
  /** The `username` inside the AWSCURRENT version; undefined when that version is not a user secret. */
  currentUserName?: string;
}

export type RotationReadiness =
  | { kind: 'ready'; currentVersionId: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'refuse'; reason: string };

/**
 * Step 1 of a rotation (safety rule 3): can this user be rotated now? Refuses what rotation
 * cannot repair (no user, no password authentication, no secret or not ours, no AWSCURRENT, a
 * secret for another user name); waits while the user is being created or modified, up to
 * `maxChecks` looks. Pure: the caller reads the user and the secret.
 */
export function assessRotation(
  userId: string,
  user: UserSnapshot | undefined,
  secret: RotationSecretView | undefined,
  attempt: { checks: number; maxChecks: number },
  /** The secret name looked up, for the refusal when there is none. */
  secretName?: string,
): RotationReadiness {
  if (!user) return refuse(`user ${userId} does not exist`);
  if (user.status === 'deleting') return refuse(`user ${userId} is being deleted`);
  if (user.authenticationType !== 'password') {
    return refuse(
      `user ${userId} does not authenticate with passwords (${user.authenticationType}): there is nothing to rotate`,
    );
  }
  if (!secret) return refuse(`user ${userId} has no cachegate secret${secretName ? ` (${secretName})` : ''}`);
  if (!secret.managed) return refuse(`secret ${secret.arn} is not tagged as cachegate's secret of ${userId}`);
  if (secret.scheduledForDeletion) return refuse(`secret ${secret.arn} is scheduled for deletion`);
  const current = secret.stages.currentVersionId;
  if (current === undefined) return refuse(`secret ${secret.arn} has no AWSCURRENT version`);
  if (secret.currentUserName !== user.userName) {
    return refuse(
      `the AWSCURRENT version of ${secret.arn} is not a secret for user name ${user.userName}: fix the secret before rotating`,
    );
  }
  if (user.status !== 'active') {
    if (attempt.checks + 1 >= attempt.maxChecks) {
      return refuse(`user ${userId} is still ${user.status} after ${attempt.checks + 1} checks`);
    }
    return { kind: 'wait', reason: `user ${userId} is ${user.status}` };
  }
  if (user.passwordCount < 1 || user.passwordCount > 2) {
    return refuse(`user ${userId} has ${user.passwordCount} passwords; expected 1 or 2`);
  }
  return { kind: 'ready', currentVersionId: current };
}

function refuse(reason: string): RotationReadiness {
  return { kind: 'refuse', reason };
}

export type PendingPlan = { kind: 'reuse'; versionId: string } | { kind: 'create'; versionId: string };

/**
 * Step 2: the AWSPENDING version this rotation sets. A pending version left by an earlier run
 * (crashed, timed out, or the same step retried) is reused, so a user never gets a password no
 * secret version keeps; otherwise a new one is stored under `ownVersionId`, which is derived from
 * the execution, so a retried store is the same version.
 */
export function planPendingVersion(stages: SecretStages, ownVersionId: string): PendingPlan {
  if (stages.currentVersionId === undefined)
    throw new RotationRefusedError('the secret has no AWSCURRENT version');
  const pending = inProgressPendingVersion(stages);
  return pending !== undefined
    ? { kind: 'reuse', versionId: pending }
    : { kind: 'create', versionId: ownVersionId };
}

/**
 * Step 3: the password list for ModifyUser — `[pending, current]`, never more than two. The
 * older AWSPREVIOUS password is dropped here and only here. Both versions must be secrets of
 * the user and differ; messages never quote a password.
 */
export function rotationPasswordList(
  userName: string,
  pending: UserSecret,
  current: UserSecret,
): [string, string] {
  if (pending.username !== userName || current.username !== userName) {
    throw new RotationRefusedError(
      `the AWSPENDING and AWSCURRENT versions must both be secrets for user name ${userName}`,
    );
  }
  if (pending.password === current.password) {
    throw new RotationRefusedError('the AWSPENDING version holds the same password as AWSCURRENT');
  }
  return [pending.password, current.password];
}

/** One UpdateSecretVersionStage call. */
export interface StageMove {
  stage: string;
  moveToVersionId?: string;
  removeFromVersionId?: string;
}

/** The move that puts `label` on `versionId`, taking it off the version that held it, if any. */
export function labelMove(
  versionIdsToStages: Record<string, string[]>,
  label: string,
  versionId: string,
): StageMove {
  const holder = stageHolder(versionIdsToStages, label);
  return { stage: label, moveToVersionId: versionId, ...(holder ? { removeFromVersionId: holder } : {}) };
}

/**
 * Step 6: the label moves that promote `pendingVersionId`: AWSCURRENT onto it (Secrets Manager
 * hands AWSPREVIOUS to the old current), then AWSPENDING off it. Re-running after any of these
 * calls returns only what is left to do; a pending label that moved to another version means
 * another rotation took over, and this one must not promote.
 */
export function promotionMoves(stages: SecretStages, pendingVersionId: string): StageMove[] {
  if (stages.currentVersionId === pendingVersionId) {
    return stages.pendingVersionId === pendingVersionId
      ? [{ stage: AWSPENDING, removeFromVersionId: pendingVersionId }]
      : [];
  }
  if (stages.pendingVersionId !== pendingVersionId) {
    throw new ConflictError(
      `version ${pendingVersionId} is no longer AWSPENDING (it is on ${stages.pendingVersionId ?? 'no version'}): another rotation took over`,
    );
  }
  if (stages.currentVersionId === undefined) {
    throw new RotationRefusedError('the secret has no AWSCURRENT version to hand over');
  }
  return [
    { stage: AWSCURRENT, moveToVersionId: pendingVersionId, removeFromVersionId: stages.currentVersionId },
    { stage: AWSPENDING, removeFromVersionId: pendingVersionId },
  ];
}
