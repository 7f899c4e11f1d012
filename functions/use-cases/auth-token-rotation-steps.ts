/**
 * The steps of an AUTH token rotation (functions/core/rotation/auth-token-rotation.ts), shared by
 * the rotate-auth-token workflow's functions and the Secrets Manager rotation function. Each step
 * is idempotent: re-running it after a crash at any point reaches the same end state. Only ARNs,
 * version IDs and replication group IDs leave a step; tokens are read by version where used.
 */
import { generateAuthToken, validateAuthToken } from '../core/auth-token-policy.js';
import type { Convergence } from '../core/rbac/convergence.js';
import {
  MAX_GROUP_CHECKS,
  assessTokenRotation,
  authTokenClaimKey,
  requireDistinctTokens,
  tokenChangeConvergence,
  tokenChangeUnderWay,
} from '../core/rotation/auth-token-rotation.js';
import { PendingPasswordRejectedError, RotationRefusedError } from '../core/rotation/errors.js';
import { planPendingVersion } from '../core/rotation/plan.js';
import { AWSPENDING } from '../core/rotation/stages.js';
import { describeReplicationGroup, modifyAuthToken } from '../aws/elasticache.js';
import { probeEndpointFromEnv, tryAuth } from '../aws/rotation-probe.js';
import {
  describeRotatingSecret,
  readVersionString,
  versionHoldsValue,
  type RotatingSecret,
} from '../aws/rotation-secrets.js';
import { readSecretVersion, storeSecretVersion } from '../aws/secrets.js';
import { releaseUserClaim, takeUserClaim } from '../aws/user-claims.js';
import {
  beginOutcomeOf,
  busyOutcome,
  publishRotationAudit,
  type BeginOutcome,
  type RotationAuditRequest,
} from './rotation-steps.js';

export type BeginTokenOutcome = BeginOutcome;

/** The claim of the group's token, as the claims table knows it (functions/aws/user-claims.ts). */
const claimOf = (replicationGroupId: string, owner: string) => ({
  userId: authTokenClaimKey(replicationGroupId),
  owner,
});

/**
 * Takes the group's token claim, then checks the group and the token secret. A refusal releases
 * the claim and throws RotationRefusedError; a busy claim means another token change is running.
 */
export async function beginTokenRotation(request: {
  replicationGroupId: string;
  secretId: string;
  owner: string;
  checks: number;
  now: Date;
}): Promise<BeginTokenOutcome> {
  const { replicationGroupId, owner } = request;
  const claim = await takeUserClaim({
    ...claimOf(replicationGroupId, owner),
    holder: 'rotate-auth-token',
    now: request.now,
  });
  if (!claim.taken)
    return busyOutcome(
      `another workflow is changing the AUTH token of ${replicationGroupId} (${claim.holder})`,
    );
  const [group, secret] = await Promise.all([
    describeReplicationGroup(replicationGroupId),
    describeRotatingSecret(request.secretId),
  ]);
  const currentVersionId = secret?.stages.currentVersionId;
  const currentIsValidToken =
    secret !== undefined && currentVersionId !== undefined
      ? validateAuthToken(await readTokenOrEmpty(secret.arn, currentVersionId)).ok
      : false;
  const readiness = assessTokenRotation(
    replicationGroupId,
    group,
    secret && {
      arn: secret.arn,
      name: secret.name,
      scheduledForDeletion: secret.scheduledForDeletion,
      stages: secret.stages,
      currentIsValidToken,
    },
    { checks: request.checks, maxChecks: MAX_GROUP_CHECKS },
    request.secretId,
  );
  return beginOutcomeOf(readiness, secret?.arn, () => releaseUserClaim(claimOf(replicationGroupId, owner)));
}

/**
 * Stores a new token as AWSPENDING (version ID `token`), unless a rotation in progress left one:
 * that one is reused (the group may already accept it). An AWSPENDING version with no value —
 * RotateSecret's, or one a crashed run labelled before storing — gets the token under its own ID.
 */
export async function storePendingToken(request: {
  secretArn: string;
  token: string;
}): Promise<{ versionId: string; reused: boolean }> {
  const secret = await requireTokenSecret(request.secretArn);
  const plan = planPendingVersion(secret.stages, request.token);
  const reused = plan.versionId !== request.token;
  if (plan.kind === 'reuse') {
    const ref = { arn: secret.arn, versionId: plan.versionId };
    if (validateAuthToken(await readTokenOrEmpty(ref.arn, ref.versionId)).ok)
      return { versionId: plan.versionId, reused };
    if (await versionHoldsValue(ref)) {
      throw new RotationRefusedError(
        `AWSPENDING version ${plan.versionId} of ${secret.arn} holds no valid AUTH token: remove its label, then rotate again`,
      );
    }
  }
  const stored = await storeSecretVersion({
    name: secret.name,
    value: generateAuthToken(),
    clientRequestToken: plan.versionId,
    tags: {},
    versionStages: [AWSPENDING],
    // The name prefix (checked above) is what makes a token secret cachegate's to rotate.
    owns: () => true,
  });
  return { versionId: stored.versionId, reused };
}

/**
 * `ROTATE` with the pending token: the group then accepts it beside the token clients use now.
 * Compare-and-set on the secret, as for passwords: if AWSCURRENT moved since this rotation began,
 * nothing is sent. A retry while the group is already rotating only waits.
 */
export async function rotateInPendingToken(request: {
  replicationGroupId: string;
  secretArn: string;
  pendingVersionId: string;
  currentVersionId: string;
}): Promise<{ status: string; sent: boolean }> {
  const { group, secret } = await existingGroupAndSecret(request.replicationGroupId, request.secretArn);
  const currentNow = secret?.stages.currentVersionId;
  if (currentNow !== request.currentVersionId) {
    throw new RotationRefusedError(
      `AWSCURRENT of ${request.secretArn} moved from version ${request.currentVersionId} to ${currentNow ?? 'none'} since this rotation began: nothing was sent to ${request.replicationGroupId}`,
    );
  }
  if (tokenChangeUnderWay(group, 'ROTATING')) return { status: group.status, sent: false };
  const [pending, current] = await Promise.all([
    readSecretVersion({ arn: request.secretArn, versionId: request.pendingVersionId }),
    readSecretVersion({ arn: request.secretArn, versionId: request.currentVersionId }),
  ]);
  requireDistinctTokens(pending, current);
  const modified = await modifyAuthToken(request.replicationGroupId, pending, 'ROTATE');
  return { status: modified.status, sent: true };
}

/** Polled between Wait states after ROTATE or SET. */
export async function checkTokenChange(
  replicationGroupId: string,
): Promise<{ status: string; convergence: Convergence }> {
  const group = await describeReplicationGroup(replicationGroupId);
  return { status: group?.status ?? 'absent', convergence: tokenChangeConvergence(group) };
}

/**
 * `AUTH <token>` through the connectivity probe for each version: those in `accepted` must log in,
 * those in `refused` must not (after SET). A wrong answer throws PendingPasswordRejectedError
 * (retried: a change may reach the nodes one by one). Without a probe endpoint: `skipped`.
 */
export async function verifyTokens(request: {
  secretArn: string;
  accepted: string[];
  refused?: string[];
}): Promise<{ result: 'verified' | 'skipped' }> {
  const endpoint = probeEndpointFromEnv(process.env);
  if (!endpoint) return { result: 'skipped' };
  const expectations = [
    ...request.accepted.map((versionId) => ({ versionId, expected: 'accepted' as const })),
    ...(request.refused ?? []).map((versionId) => ({ versionId, expected: 'rejected' as const })),
  ];
  for (const { versionId, expected } of expectations) {
    const token = await readSecretVersion({ arn: request.secretArn, versionId });
    const outcome = await tryAuth(endpoint, undefined, token);
    if (outcome !== expected) {
      throw new PendingPasswordRejectedError(
        `AUTH with the token of version ${versionId} of ${request.secretArn} was ${outcome}, expected ${expected}`,
      );
    }
  }
  return { result: 'verified' };
}

/**
 * `SET` with the AWSCURRENT token: the previous one stops working. Compare-and-set: AWSCURRENT
 * must still be the version this rotation promoted (a SET with any other token would lock out
 * the clients reading the secret). A retry while the group is already setting only waits; a SET
 * repeated after it settled keeps the same single token.
 */
export async function retirePreviousToken(request: {
  replicationGroupId: string;
  secretArn: string;
  currentVersionId: string;
}): Promise<{ status: string; sent: boolean }> {
  const { group, secret } = await existingGroupAndSecret(request.replicationGroupId, request.secretArn);
  if (secret?.stages.currentVersionId !== request.currentVersionId) {
    throw new RotationRefusedError(
      `AWSCURRENT of ${request.secretArn} is no longer version ${request.currentVersionId}: the previous token was not retired`,
    );
  }
  if (tokenChangeUnderWay(group, 'SETTING')) return { status: group.status, sent: false };
  const current = await readSecretVersion({ arn: request.secretArn, versionId: request.currentVersionId });
  const modified = await modifyAuthToken(request.replicationGroupId, current, 'SET');
  return { status: modified.status, sent: true };
}

/** An audit event (identifiers only). */
export async function publishTokenEvent(
  request: RotationAuditRequest & {
    action: 'AuthTokenPromoted' | 'AuthTokenRotated';
    replicationGroupId: string;
  },
): Promise<void> {
  await publishRotationAudit(request.action, request, { replicationGroupId: request.replicationGroupId });
}

/** Releases this run's claim on the group's token (after success, or on the way out of a failure). */
export async function releaseTokenClaim(request: {
  replicationGroupId: string;
  owner: string;
}): Promise<void> {
  await releaseUserClaim(claimOf(request.replicationGroupId, request.owner));
}

/** Takes (or renews) the token claim for a caller outside the workflow (native rotation, rollback). */
export async function takeTokenClaim(request: {
  replicationGroupId: string;
  owner: string;
  holder: 'native-rotation' | 'rollback-to-auth';
  now: Date;
}) {
  return takeUserClaim({
    ...claimOf(request.replicationGroupId, request.owner),
    holder: request.holder,
    now: request.now,
  });
}

async function requireTokenSecret(secretId: string): Promise<RotatingSecret> {
  const secret = await describeRotatingSecret(secretId);
  if (!secret) throw new RotationRefusedError(`secret ${secretId} does not exist`);
  return secret;
}

/** The version's value, or '' when it is missing or holds no string (the value is never in an error). */
async function readTokenOrEmpty(arn: string, versionId: string): Promise<string> {
  return (await readVersionString({ arn, versionId })) ?? '';
}

/** The group (which must exist: a rotation cannot repair a deleted group) and the token secret. */
async function existingGroupAndSecret(replicationGroupId: string, secretArn: string) {
  const [group, secret] = await Promise.all([
    describeReplicationGroup(replicationGroupId),
    describeRotatingSecret(secretArn),
  ]);
  if (!group) throw new RotationRefusedError(`replication group ${replicationGroupId} does not exist`);
  return { group, secret };
}
