import type { CacheService } from './cache-service.js';

/**
 * One change per user at a time: every workflow that changes a cache user or its secret holds
 * the user's claim (a DynamoDB item, functions/aws/user-claims.ts) from before it looks at the
 * user until it ends, on every path. The owner is the run (an execution ARN or name, or the
 * native rotation's token); the claim expires a margin after the longest the owner may run, so
 * a run that died cannot block the user for long, and the next run may then take it over.
 */
export const CLAIM_MARGIN_SECONDS = 300;

/**
 * How long each kind of owner may hold a claim: its state machine's `TimeoutSeconds` (rotate-all
 * runs the rotate-password steps per user and holds a user's claim no longer than one rotation;
 * Secrets Manager's rotation function renews the claim at each of its four steps).
 */
export const CLAIM_HOLDERS = {
  'onboard-user': 7200,
  'offboard-user': 7200,
  'harden-default-user': 7200,
  'migrate-to-rbac': 14400,
  'rotate-password': 3600,
  'native-rotation': 3600,
  // rotate-auth-token.asl.json: up to 7 days between promotion and SET, plus the steps around it.
  'rotate-auth-token': 612000,
  // rollback-to-auth (CLI): the token SET and the wait for the group to settle.
  'rollback-to-auth': 3600,
} as const;
export type ClaimHolder = keyof typeof CLAIM_HOLDERS;

export interface UserClaim {
  /** The claim item's key: {@link userClaimKey}. */
  key: string;
  owner: string;
  /** Epoch seconds (the table's TTL attribute). */
  expiresAt: number;
}

/**
 * The claim's key: the user ID for ElastiCache (the rotation lock's key before MemoryDB, so a claim
 * held during an upgrade still matches), `memorydb:<name>` for a MemoryDB user. A MemoryDB user and
 * an ElastiCache user may share a name and are claimed independently; user IDs cannot contain `:`.
 */
export function userClaimKey(userId: string, service: CacheService = 'elasticache'): string {
  return service === 'memorydb' ? `memorydb:${userId}` : userId;
}

export function userClaim(key: string, owner: string, holder: ClaimHolder, now: Date): UserClaim {
  return { key, owner, expiresAt: epochSeconds(now) + CLAIM_HOLDERS[holder] + CLAIM_MARGIN_SECONDS };
}

/**
 * Whether `owner` may take the claim, given the item there now: nobody holds it, `owner` holds it
 * already (a retried step, which renews it), or the holder's claim expired (its run is dead).
 */
export function mayTakeClaim(existing: UserClaim | undefined, owner: string, now: Date): boolean {
  return !existing || existing.owner === owner || existing.expiresAt <= epochSeconds(now);
}

function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

/**
 * How often a workflow asks for a busy user's claim before it ends as "user busy" (its ASL waits
 * 30 s between asks: about five minutes, longer than a rotation usually takes).
 */
export const MAX_CLAIM_ATTEMPTS = 10;

/**
 * Whose claim a workflow step takes, read from the workflow's state: `request` = the user the
 * request names (onboard-user, offboard-user: claimed before validation, so validation and every
 * change after it see a user no other workflow is changing); `default-user` = the locked default
 * user the validated plan creates or reuses (harden-default-user, migrate-to-rbac; a MemoryDB
 * migration has none). A request too malformed to name a user claims nothing: its validation fails.
 */
export const CLAIM_SUBJECTS = ['request', 'default-user'] as const;
export type ClaimSubject = (typeof CLAIM_SUBJECTS)[number];

export function claimSubject(
  state: Record<string, unknown>,
  subject: ClaimSubject,
): { userId: string; service: CacheService } | undefined {
  const plan = state.plan as { defaultUser?: { userId?: unknown } } | undefined;
  const userId = subject === 'request' ? state.userId : plan?.defaultUser?.userId;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 128) return undefined;
  return {
    userId,
    service: subject === 'request' && state.service === 'memorydb' ? 'memorydb' : 'elasticache',
  };
}

const BUSY_REASON = 'another workflow is changing user ';

/** Why a run left a user alone: the claim's holder is named, so an operator knows whom to wait for. */
export function userBusyReason(userId: string, holder: string): string {
  return `${BUSY_REASON}${userId} (${holder})`;
}

/** Whether a skip reason is {@link userBusyReason}'s (rotate-all's report; the CLI's exit code). */
export function isUserBusyReason(reason: string | undefined): boolean {
  return reason?.startsWith(BUSY_REASON) ?? false;
}
