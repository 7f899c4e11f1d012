import * as z from 'zod/mini';
import { NotFoundError, ValidationError } from '../errors.js';
import { cacheServiceSchema, type CacheService } from './cache-service.js';
import { rbacIdentifier } from './identifier.js';
import {
  BUILT_IN_DEFAULT_USER_ID,
  DEFAULT_USER_NAME,
  type UserGroupSnapshot,
  type UserSnapshot,
} from './snapshots.js';
import { userSecretName } from './user-secret.js';

export const offboardUserRequestSchema = z.object({
  service: cacheServiceSchema,
  userId: rbacIdentifier,
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

export type OffboardUserRequest = z.infer<typeof offboardUserRequestSchema>;

export interface OffboardingPlan {
  service: CacheService;
  userId: string;
  /** False when only the secret is left (an earlier run deleted the user). */
  userExists: boolean;
  /**
   * The user is gone and its secret already scheduled for deletion: what a finished offboarding
   * leaves. Running it again re-checks the secret and changes nothing, so it publishes no second
   * UserDeleted.
   */
  alreadyOffboarded: boolean;
  /** Every group the user is in or is being added to. */
  userGroupIds: string[];
  secretName: string;
  requestedBy: string;
  requestId?: string;
}

/**
 * Decides what offboarding a user takes: the user groups to leave (members and pending
 * additions), whether the user is still there, and its secret. A user named `default` is a
 * group's default user and is never removed this way (the group would be left without one).
 */
export function planOffboarding(
  request: OffboardUserRequest,
  state: {
    user: UserSnapshot | undefined;
    userGroups: UserGroupSnapshot[];
    secretExists: boolean;
    secretScheduledForDeletion?: boolean;
  },
): OffboardingPlan {
  if (request.userId === BUILT_IN_DEFAULT_USER_ID) {
    throw new ValidationError('"default" is the built-in user and cannot be offboarded', 'userId');
  }
  if (!state.user && !state.secretExists) {
    throw new NotFoundError(`userId: user ${request.userId} does not exist and has no cachegate secret`);
  }
  const userGroupIds = state.userGroups
    .filter((g) => g.userIds.includes(request.userId) || g.pendingUserIdsToAdd.includes(request.userId))
    .map((g) => g.userGroupId);
  if (state.user?.userName === DEFAULT_USER_NAME && userGroupIds.length > 0) {
    throw new ValidationError(
      `user ${request.userId} is the default user of ${userGroupIds.join(', ')}; swap in another default user first`,
      'userId',
    );
  }
  return {
    service: request.service,
    userId: request.userId,
    userExists: state.user !== undefined,
    alreadyOffboarded: state.user === undefined && state.secretScheduledForDeletion === true,
    userGroupIds,
    secretName: userSecretName(request.userId, request.service),
    requestedBy: request.requestedBy,
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}
