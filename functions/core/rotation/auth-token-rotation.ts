import * as z from 'zod/mini';
import { validateAuthToken } from '../auth-token-policy.js';
import type { Convergence } from '../rbac/convergence.js';
import { rbacIdentifier } from '../rbac/identifier.js';
import { AUTH_TOKEN_SECRET_PREFIX, authTokenSecretArnSchema } from '../rbac/migration.js';
import type { ReplicationGroupSnapshot } from '../rbac/snapshots.js';
import { RotationRefusedError } from './errors.js';
import type { SecretStages } from './stages.js';
import type { RotationReadiness } from './plan.js';

/**
 * AUTH token rotation for a replication group that stays on AUTH (ElastiCache AUTH guide,
 * "Modifying the AUTH token on an existing cluster"; `AuthTokenUpdateStrategy` in the API
 * reference): the new token is added with `ROTATE` (old and new both accepted), checked through
 * the probe, promoted to `AWSCURRENT` of the token secret, and only after a grace period during
 * which clients re-read the secret is `SET` applied with it, so the old token stops working.
 * The token secret's `SecretString` is the token itself (the migrate-to-rbac convention).
 */
export const MAX_RETIRE_AFTER_HOURS = 7 * 24;

export const rotateAuthTokenRequestSchema = z.object({
  replicationGroupId: rbacIdentifier,
  /** Default: the secret named `cachegate/elasticache/auth-tokens/<replicationGroupId>`. */
  authTokenSecretArn: z.optional(authTokenSecretArnSchema),
  /**
   * Hours between promoting the new token and `SET` (clients re-read the secret meanwhile; both
   * tokens work). Whole hours: the workflow counts them down with one-hour Wait states. Default 24.
   */
  retireAfterHours: z._default(z.int().check(z.gte(0), z.lte(MAX_RETIRE_AFTER_HOURS)), 24),
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});
export type RotateAuthTokenRequest = z.infer<typeof rotateAuthTokenRequestSchema>;

/** The token secret's name for a replication group, when the request names none. */
export function authTokenSecretName(replicationGroupId: string): string {
  return `${AUTH_TOKEN_SECRET_PREFIX}${replicationGroupId}`;
}

/**
 * The claim key of a replication group's AUTH token: one token change per group at a time (the
 * workflow, native rotation and rollback-to-auth take it). User IDs cannot contain `:`, so the
 * key never meets a user's claim in the same table.
 */
export function authTokenClaimKey(replicationGroupId: string): string {
  return `auth-token:${replicationGroupId}`;
}

/** How many times BeginTokenRotation looks at a group that is not `available` (15 s apart). */
export const MAX_GROUP_CHECKS = 40;

export interface TokenSecretView {
  arn: string;
  name: string;
  scheduledForDeletion: boolean;
  stages: SecretStages;
  /** Whether the AWSCURRENT value follows the AUTH token rules (the value itself is never passed). */
  currentIsValidToken: boolean;
}

/** The same three answers as a user's rotation (plan.ts). */
export type TokenRotationReadiness = RotationReadiness;

/**
 * Can this group's token be rotated now? Refuses what rotation cannot repair (no group, no TLS,
 * on RBAC, no AUTH, no readable token secret); waits while the group is modifying.
 */
export function assessTokenRotation(
  replicationGroupId: string,
  group: ReplicationGroupSnapshot | undefined,
  secret: TokenSecretView | undefined,
  attempt: { checks: number; maxChecks: number },
  secretId: string,
): TokenRotationReadiness {
  if (!group) return refuse(`replication group ${replicationGroupId} does not exist`);
  if (!group.transitEncryptionEnabled)
    return refuse(`replication group ${replicationGroupId} has no in-transit encryption: AUTH needs TLS`);
  if (group.userGroupIds.length > 0 || group.pendingUserGroupIdsToAdd.length > 0) {
    return refuse(
      `replication group ${replicationGroupId} uses RBAC (user group ${[...group.userGroupIds, ...group.pendingUserGroupIdsToAdd].join(', ')}): rotate its users' passwords instead`,
    );
  }
  if (!group.authTokenEnabled) return refuse(`replication group ${replicationGroupId} does not use AUTH`);
  if (!secret) return refuse(`secret ${secretId} does not exist`);
  if (!secret.name.startsWith(AUTH_TOKEN_SECRET_PREFIX))
    return refuse(`secret ${secret.arn} is not under ${AUTH_TOKEN_SECRET_PREFIX}`);
  if (secret.scheduledForDeletion) return refuse(`secret ${secret.arn} is scheduled for deletion`);
  const current = secret.stages.currentVersionId;
  if (current === undefined) return refuse(`secret ${secret.arn} has no AWSCURRENT version`);
  if (!secret.currentIsValidToken)
    return refuse(`the AWSCURRENT version of ${secret.arn} is not a valid AUTH token`);
  if (group.status !== 'available' || group.authTokenStatus !== undefined) {
    if (attempt.checks + 1 >= attempt.maxChecks)
      return refuse(
        `replication group ${replicationGroupId} is still ${group.status} after ${attempt.checks + 1} checks`,
      );
    return { kind: 'wait', reason: `replication group ${replicationGroupId} is ${group.status}` };
  }
  return { kind: 'ready', currentVersionId: current };
}

function refuse(reason: string): TokenRotationReadiness {
  return { kind: 'refuse', reason };
}

/** A token read from a secret version: a valid AUTH token, and different from the other one. Never quoted. */
export function requireDistinctTokens(pending: string, current: string): void {
  for (const [label, token] of [
    ['AWSPENDING', pending],
    ['AWSCURRENT', current],
  ] as const) {
    const check = validateAuthToken(token);
    if (!check.ok) throw new RotationRefusedError(`the ${label} token ${check.reason}`);
  }
  if (pending === current)
    throw new RotationRefusedError('the AWSPENDING version holds the same token as AWSCURRENT');
}

/**
 * Should `ROTATE` (or `SET`) be sent now? Not while the group is already applying that change
 * (a retried step after the call went through): the step then only waits.
 */
export function tokenChangeUnderWay(
  group: ReplicationGroupSnapshot,
  change: 'ROTATING' | 'SETTING',
): boolean {
  return group.status === 'modifying' && group.authTokenStatus === change;
}

/** Polled after ROTATE / SET: the group `available`, still on AUTH, no token change pending. */
export function tokenChangeConvergence(group: ReplicationGroupSnapshot | undefined): Convergence {
  if (!group || !group.authTokenEnabled) return 'needs-change';
  if (group.status !== 'available' || group.authTokenStatus !== undefined) return 'pending';
  return 'settled';
}
