/**
 * The steps of a password rotation (safety rule 3), each a small composition of the rotation
 * core and the adapters, shared by the rotate-password / rotate-all workflows' functions and
 * the Secrets Manager rotation function. Every step is idempotent: re-running it after a crash
 * at any point reaches the same end state. Only ARNs, version IDs and user IDs leave a step.
 * `service` picks the cache (ElastiCache by default, or MemoryDB: same two-password rule,
 * `UpdateUser` instead of `ModifyUser`, secrets under their own prefix, a claim of their own).
 */
import { auditEvent } from '../core/audit-event.js';
import { generatePassword } from '../core/password-policy.js';
import { userConvergence, type Convergence } from '../core/rbac/convergence.js';
import {
  isManagedUserSecret,
  userSecretName,
  userSecretTags,
  type UserSecret,
} from '../core/rbac/user-secret.js';
import { PendingPasswordRejectedError, RotationRefusedError } from '../core/rotation/errors.js';
import {
  assessRotation,
  planPendingVersion,
  promotionMoves,
  rotationPasswordList,
  type RotationReadiness,
} from '../core/rotation/plan.js';
import { AWSPENDING } from '../core/rotation/stages.js';
import { publishAuditEvent } from '../aws/audit-events.js';
import type { CacheService } from '../core/rbac/cache-service.js';
import { userBusyReason } from '../core/rbac/user-claim.js';
import { cacheRbac } from '../aws/cache-rbac.js';
import { takeUserClaimRecovering } from './claim-recovery.js';
import { releaseUserClaim } from '../aws/user-claims.js';
import { probeEndpointFromEnv, tryAuth } from '../aws/rotation-probe.js';
import {
  describeRotatingSecret,
  moveVersionStage,
  readUserSecret,
  versionHoldsValue,
  type RotatingSecret,
} from '../aws/rotation-secrets.js';
import { storeSecretVersion } from '../aws/secrets.js';

/** How many times BeginRotation looks at a user that is not `active` (15 s apart) before refusing. */
export const MAX_USER_CHECKS = 20;

/**
 * How many times CheckRotationPasswords looks for the user to be active with both passwords
 * (re-sending them when they are missing) before the run is abandoned: about 10 minutes of
 * 5-second checks, several times the longest `modifying` we expect (docs/aws-facts.md). Without
 * a limit a user that never settles (an adapter that drops a password, a person editing the user
 * meanwhile) would loop until rotate-password's 1-hour timeout, which abandons nothing, and hold
 * up rotate-all, whose child runs have no timeout of their own. A count, not a deadline: the
 * sandbox runs Lambdas in real time on a sped-up clock, where a deadline would trip on a slow
 * machine and a count behaves as on AWS.
 */
export const MAX_PASSWORD_CHECKS = 120;

export type BeginOutcome =
  | { status: 'ready'; secretArn: string; currentVersionId: string; reason: '' }
  | { status: 'wait' | 'busy'; secretArn: ''; currentVersionId: ''; reason: string };

/** A begin step's answer when another workflow holds the claim: nothing was done. */
export const busyOutcome = (reason: string): BeginOutcome => ({
  status: 'busy',
  secretArn: '',
  currentVersionId: '',
  reason,
});

/**
 * A begin step's answer to its readiness check (a user's password or a group's token): ready
 * from the current version, wait, or a refusal, which releases the claim first and throws.
 */
export async function beginOutcomeOf(
  readiness: RotationReadiness,
  secretArn: string | undefined,
  releaseClaim: () => Promise<unknown>,
): Promise<BeginOutcome> {
  if (readiness.kind === 'refuse') {
    await releaseClaim();
    throw new RotationRefusedError(readiness.reason);
  }
  if (readiness.kind === 'wait')
    return { status: 'wait', secretArn: '', currentVersionId: '', reason: readiness.reason };
  return {
    status: 'ready',
    secretArn: secretArn ?? '',
    currentVersionId: readiness.currentVersionId,
    reason: '',
  };
}

/**
 * Takes the user's claim, then checks the user and its secret. A refusal releases the claim and
 * throws RotationRefusedError; a busy claim means another workflow is changing the user (nothing
 * done).
 */
export async function beginRotation(request: {
  userId: string;
  owner: string;
  checks: number;
  now: Date;
  service?: CacheService;
}): Promise<BeginOutcome> {
  const { userId, owner, service = 'elasticache' } = request;
  const claim = await takeUserClaimRecovering({
    userId,
    service,
    owner,
    holder: 'rotate-password',
    now: request.now,
  });
  if (!claim.taken) return busyOutcome(userBusyReason(userId, claim.holder));
  const secretName = userSecretName(userId, service);
  const [user, secret] = await Promise.all([
    cacheRbac(service).describeUser(userId),
    describeRotatingSecret(secretName),
  ]);
  const current =
    secret?.stages.currentVersionId !== undefined
      ? await readUserSecret({ arn: secret.arn, versionId: secret.stages.currentVersionId })
      : undefined;
  const readiness = assessRotation(
    userId,
    user,
    secret && {
      arn: secret.arn,
      managed: isManagedUserSecret(secret.tags, userId),
      scheduledForDeletion: secret.scheduledForDeletion,
      stages: secret.stages,
      ...(current ? { currentUserName: current.username } : {}),
    },
    { checks: request.checks, maxChecks: MAX_USER_CHECKS },
    secretName,
  );
  return beginOutcomeOf(readiness, secret?.arn, () => releaseUserClaim({ userId, service, owner }));
}

/**
 * Stores a new password as AWSPENDING (version ID `token`), unless a rotation in progress left
 * one: that one is reused. A retry after the value was stored finds its own version again. An
 * AWSPENDING version with no value — the one Secrets Manager's RotateSecret creates before it
 * calls createSecret, or one a rotation left before storing — gets the new password under its
 * own version ID, as AWS's rotation function templates do.
 */
export async function storePendingPassword(request: {
  userId: string;
  secretArn: string;
  token: string;
  passwordLength?: number;
}): Promise<{ versionId: string; reused: boolean }> {
  const secret = await requireSecret(request.secretArn, request.userId);
  const plan = planPendingVersion(secret.stages, request.token);
  const reused = plan.versionId !== request.token;
  if (plan.kind === 'reuse') {
    const ref = { arn: secret.arn, versionId: plan.versionId };
    if (await readUserSecret(ref)) return { versionId: plan.versionId, reused };
    if (await versionHoldsValue(ref)) {
      throw new RotationRefusedError(
        `AWSPENDING version ${plan.versionId} of ${secret.arn} holds no user secret: remove its label, then rotate again`,
      );
    }
  }
  const current = await requireUserSecret(secret.arn, secret.stages.currentVersionId ?? '', 'AWSCURRENT');
  const password = generatePassword(
    request.passwordLength === undefined ? {} : { length: request.passwordLength },
  );
  const stored = await storeSecretVersion({
    name: secret.name,
    value: JSON.stringify({ username: current.username, password } satisfies UserSecret),
    clientRequestToken: plan.versionId,
    tags: userSecretTags(request.userId),
    versionStages: [AWSPENDING],
    owns: (tags) => isManagedUserSecret(tags, request.userId),
  });
  return { versionId: stored.versionId, reused };
}

/**
 * ModifyUser with `[pending, current]`: the user keeps the password every client uses now.
 * Compare-and-set on the secret: `currentVersionId` is the AWSCURRENT this rotation read when it
 * began; if AWSCURRENT has moved since (a change outside this run's claim), the list would drop
 * the password clients now read, so the step refuses and sends nothing.
 */
export async function setRotationPasswords(request: {
  userId: string;
  secretArn: string;
  pendingVersionId: string;
  currentVersionId: string;
  service?: CacheService;
}): Promise<{ status: string }> {
  const cache = cacheRbac(request.service);
  const [user, secret] = await Promise.all([
    cache.describeUser(request.userId),
    describeRotatingSecret(request.secretArn),
  ]);
  if (!user) throw new RotationRefusedError(`user ${request.userId} does not exist`);
  const currentNow = secret?.stages.currentVersionId;
  if (currentNow !== request.currentVersionId) {
    throw new RotationRefusedError(
      `AWSCURRENT of ${request.secretArn} moved from version ${request.currentVersionId} to ${currentNow ?? 'none'} since this rotation began: nothing was sent to user ${request.userId}`,
    );
  }
  const [pending, current] = await Promise.all([
    requireUserSecret(request.secretArn, request.pendingVersionId, 'AWSPENDING'),
    requireUserSecret(request.secretArn, request.currentVersionId, 'AWSCURRENT'),
  ]);
  const modified = await cache.modifyUserPasswords(
    request.userId,
    rotationPasswordList(user.userName, pending, current),
  );
  return { status: modified.status };
}

/** Polled between Wait states: is the user `active` with exactly two passwords? */
export async function checkRotationPasswords(
  userId: string,
  service: CacheService = 'elasticache',
  checks = 0,
): Promise<{ status: string; convergence: Convergence; checks: number }> {
  const user = await cacheRbac(service).describeUser(userId);
  const status = user?.status ?? 'absent';
  const convergence = userConvergence(user, { present: true, passwordCount: 2 });
  if (convergence !== 'settled' && checks + 1 >= MAX_PASSWORD_CHECKS) {
    throw new RotationRefusedError(
      `user ${userId} was not active with two passwords after ${checks + 1} checks (now ${status}, ${user?.passwordCount ?? 0} password(s)); AWSCURRENT was not changed`,
    );
  }
  return { status, convergence, checks: checks + 1 };
}

/**
 * `AUTH <user> <pending>` through the connectivity probe, when one is configured. A refusal
 * throws PendingPasswordRejectedError (retried: replication to every node may lag).
 */
export async function verifyPendingPassword(request: {
  secretArn: string;
  pendingVersionId: string;
  service?: CacheService;
}): Promise<{ result: 'verified' | 'skipped' }> {
  const endpoint = probeEndpointFromEnv(process.env, request.service);
  if (!endpoint) return { result: 'skipped' };
  const pending = await requireUserSecret(request.secretArn, request.pendingVersionId, 'AWSPENDING');
  const outcome = await tryAuth(endpoint, pending.username, pending.password);
  if (outcome === 'rejected') {
    throw new PendingPasswordRejectedError(
      `AUTH as ${pending.username} with AWSPENDING version ${request.pendingVersionId} was refused by the cache`,
    );
  }
  return { result: 'verified' };
}

/** AWSPENDING → AWSCURRENT (the old current becomes AWSPREVIOUS), then AWSPENDING is cleared. */
export async function promotePendingPassword(request: {
  secretArn: string;
  pendingVersionId: string;
}): Promise<{ currentVersionId: string; previousVersionId: string }> {
  const before = await describeRotatingSecret(request.secretArn);
  if (!before) throw new RotationRefusedError(`secret ${request.secretArn} does not exist`);
  for (const move of promotionMoves(before.stages, request.pendingVersionId)) {
    await moveVersionStage(before.arn, move);
  }
  const after = await describeRotatingSecret(request.secretArn);
  return {
    currentVersionId: after?.stages.currentVersionId ?? '',
    previousVersionId: after?.stages.previousVersionId ?? '',
  };
}

/**
 * The audit request of a finished rotation (a password's or an AUTH token's): who asked, for which
 * request, the secret and its versions, how the new one was verified. Identifiers only.
 */
export interface RotationAuditRequest {
  actor: string;
  requestId?: string;
  secretArn: string;
  currentVersionId: string;
  previousVersionId: string;
  verification: string;
  now: Date;
}

/** Publishes a rotation's audit event: `subject` names what was rotated, the secret's versions follow. */
export async function publishRotationAudit(
  action: 'PasswordRotated' | 'AuthTokenPromoted' | 'AuthTokenRotated',
  request: RotationAuditRequest,
  subject: Record<string, string>,
): Promise<void> {
  await publishAuditEvent(
    auditEvent(
      action,
      request.actor,
      request.now,
      {
        ...subject,
        secretArn: request.secretArn,
        versionId: request.currentVersionId,
        previousVersionId: request.previousVersionId,
        verification: request.verification,
      },
      request.requestId,
    ),
  );
}

/**
 * The claim is released, then the audit event is published: the event is the step's last call, so
 * a retry of this step (after a failed release, say) never publishes it twice.
 */
export async function finishRotation(
  request: RotationAuditRequest & { userId: string; owner: string; service?: CacheService },
): Promise<void> {
  const service = request.service ?? 'elasticache';
  await releaseUserClaim({ userId: request.userId, service, owner: request.owner });
  await publishRotationAudit('PasswordRotated', request, { userId: request.userId, service });
}

/**
 * A failed rotation releases its claim and leaves everything else: clients keep using AWSCURRENT
 * (still one of the user's passwords), and the next rotation reuses the AWSPENDING version.
 */
export async function abandonRotation(request: {
  userId: string;
  owner: string;
  service?: CacheService;
}): Promise<void> {
  await releaseUserClaim(request);
}

async function requireSecret(secretId: string, userId: string): Promise<RotatingSecret> {
  const secret = await describeRotatingSecret(secretId);
  if (!secret) throw new RotationRefusedError(`secret ${secretId} does not exist`);
  if (!isManagedUserSecret(secret.tags, userId)) {
    throw new RotationRefusedError(`secret ${secret.arn} is not tagged as cachegate's secret of ${userId}`);
  }
  return secret;
}

async function requireUserSecret(arn: string, versionId: string, label: string): Promise<UserSecret> {
  const secret = await readUserSecret({ arn, versionId });
  if (!secret) throw new RotationRefusedError(`${label} version ${versionId} of ${arn} holds no user secret`);
  return secret;
}
