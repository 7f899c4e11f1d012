import type { CacheService } from '../core/rbac/cache-service.js';
import type { ClaimHolder } from '../core/rbac/user-claim.js';
import { userSecretName } from '../core/rbac/user-secret.js';
import { AWSCURRENT } from '../core/rotation/stages.js';
import { describeSecret } from '../aws/secrets.js';
import { releaseUserClaim, takeUserClaim, type ClaimOutcome } from '../aws/user-claims.js';

const NATIVE_ROTATION_PREFIX = 'native-rotation:';

/**
 * The claim owner of a native rotation: its token, the same for all four steps and their retries.
 * Each step takes (renews) the user's claim before it changes anything, so native rotation and the
 * rotate-password workflow never interleave on one user; finishSecret releases it.
 */
export function nativeRotationOwner(token: string): string {
  return `${NATIVE_ROTATION_PREFIX}${token}`;
}

/**
 * Takes the user's claim; if a native rotation holds it and that rotation is provably over (its
 * token's version is AWSCURRENT), its claim is released on its behalf first. A finishSecret that
 * failed after promoting its version would otherwise leave the claim until it expires: Secrets
 * Manager sees the rotation complete (AWSPENDING no longer on another version than AWSCURRENT) and
 * never calls the function again.
 */
export async function takeUserClaimRecovering(request: {
  userId: string;
  service: CacheService;
  owner: string;
  holder: ClaimHolder;
  now: Date;
}): Promise<ClaimOutcome> {
  const outcome = await takeUserClaim(request);
  if (outcome.taken || !outcome.holder.startsWith(NATIVE_ROTATION_PREFIX)) return outcome;
  const token = outcome.holder.slice(NATIVE_ROTATION_PREFIX.length);
  const secret = await describeSecret(userSecretName(request.userId, request.service));
  if (!secret?.versionStages[token]?.includes(AWSCURRENT)) return outcome;
  await releaseUserClaim({ userId: request.userId, service: request.service, owner: outcome.holder });
  return takeUserClaim(request);
}
