import * as z from 'zod/mini';
import { normalizeAccessString } from '../access-string/index.js';
import { ValidationError } from '../errors.js';
import { elastiCacheOnlyServiceSchema } from './cache-service.js';
import { rbacIdentifier } from './identifier.js';
import {
  BUILT_IN_DEFAULT_USER_ID,
  DEFAULT_USER_NAME,
  ELASTICACHE_QUOTAS,
  type UserDetailSnapshot,
  type UserGroupSnapshot,
} from './snapshots.js';
import { userSecretName } from './user-secret.js';

/** Disabled, no keys, no channels, no commands: nobody can use a connection as this user. */
export const LOCKED_ACCESS_STRING = 'off -@all';

/**
 * What a client that sends `AUTH <token>` may do on a replication group on AUTH: everything
 * (AUTH has no per-client rules). The migrated group's `default` user keeps exactly that until
 * `finish` locks it.
 */
export const TOKEN_CLIENT_ACCESS_STRING = 'on ~* &* +@all';

/** True when the access string means what LOCKED_ACCESS_STRING means (AWS rewrites them). */
export function isLockedAccessString(accessString: string): boolean {
  return sameAccess(accessString, LOCKED_ACCESS_STRING);
}

function sameAccess(accessString: string, expected: string): boolean {
  try {
    return normalizeAccessString(accessString) === normalizeAccessString(expected);
  } catch {
    return false;
  }
}

/** The locked `default` user a workflow creates or reuses, and its secret. */
export interface DefaultUserPlan {
  userId: string;
  userName: typeof DEFAULT_USER_NAME;
  engine: 'redis' | 'valkey';
  accessString: string;
  secretName: string;
  /** False when a locked default user with this ID exists already (an earlier run made it). */
  create: boolean;
  /** Passwords the user has once it is ready: 1 when cachegate creates it. */
  passwordCount: number;
}

/**
 * The locked default user `userId`: created (with a generated password kept like any user's,
 * so even a later `on` would not open it) unless a locked user named `default` with this ID
 * exists, which is reused. Any other user with this ID is a clear error on `field`.
 */
export const planDefaultUser = defaultUserPlanner(LOCKED_ACCESS_STRING, {
  builtIn: '"default" is the built-in user; a hardened default needs another user ID',
  expected: `a locked user named "default" (access string "${LOCKED_ACCESS_STRING}")`,
});

/**
 * The migrated group's `default` user when the replication group is on AUTH: it carries the
 * current token as its password and the token clients' access (TOKEN_CLIENT_ACCESS_STRING), so
 * `AUTH <token>` keeps working after the token is deleted. Reused when a user named `default`
 * with that access exists under this ID (an earlier run made it); anything else is an error.
 */
export const planTokenDefaultUser = defaultUserPlanner(TOKEN_CLIENT_ACCESS_STRING, {
  builtIn: '"default" is the built-in user; the group needs its own default user',
  expected: `a user named "default" with the token clients' access ("${TOKEN_CLIENT_ACCESS_STRING}")`,
});

/**
 * The planner of a `default` user with `accessString`: `userId` is reused when a user named
 * `default` with that access exists under it, created when none does. The built-in user's ID
 * (`refusals.builtIn` says why not), any other user with this ID (`refusals.expected` says what it
 * should have been) or one being deleted is a clear error on `field`.
 */
function defaultUserPlanner(accessString: string, refusals: { builtIn: string; expected: string }) {
  return (
    userId: string,
    field: string,
    engine: 'redis' | 'valkey',
    users: UserDetailSnapshot[],
  ): DefaultUserPlan => {
    if (userId === BUILT_IN_DEFAULT_USER_ID) throw new ValidationError(refusals.builtIn, field);
    const existing = users.find((u) => u.userId === userId);
    if (
      existing &&
      (existing.userName !== DEFAULT_USER_NAME || !sameAccess(existing.accessString, accessString))
    ) {
      throw new ValidationError(`user ${userId} exists and is not ${refusals.expected}`, field);
    }
    if (existing?.status === 'deleting') throw new ValidationError(`user ${userId} is being deleted`, field);
    return {
      userId,
      userName: DEFAULT_USER_NAME,
      engine,
      accessString,
      secretName: userSecretName(userId),
      create: !existing,
      passwordCount: existing ? (existing.authenticationType === 'password' ? existing.passwordCount : 0) : 1,
    };
  };
}

/** `<base>-default`, or a clear error asking for an explicit ID when that is too long. */
export function derivedId(base: string, suffix: string, field: string): string {
  const id = `${base}-${suffix}`;
  const parsed = rbacIdentifier.safeParse(id);
  if (!parsed.success)
    throw new ValidationError(`"${id}" is not a valid ID; give ${field} explicitly`, field);
  return id;
}

export const hardenDefaultUserRequestSchema = z.object({
  service: elastiCacheOnlyServiceSchema,
  userGroupId: rbacIdentifier,
  /** ID of the new locked default user; `<userGroupId>-default` when left out. */
  defaultUserId: z.optional(rbacIdentifier),
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

export type HardenDefaultUserRequest = z.infer<typeof hardenDefaultUserRequestSchema>;

export interface HardeningPlan {
  userGroupId: string;
  /** For the audit event: the group the default user was swapped into. */
  userGroupIds: string[];
  defaultUser: DefaultUserPlan;
  /** The members named `default` the swap removes (the built-in `default`, usually). */
  replacedUserIds: string[];
  /** The new ID, for the audit event. */
  userId: string;
  requestedBy: string;
  requestId?: string;
}

/**
 * Checks a harden-default-user request before anything changes: the group exists and is not
 * being deleted, the new default user ID is free (or is already a locked default user), and the
 * account has room for one more user.
 */
export function planHardening(
  request: HardenDefaultUserRequest,
  state: {
    userGroup: (UserGroupSnapshot & { engine: string }) | undefined;
    users: UserDetailSnapshot[];
    quotas?: { usersPerAccount: number };
  },
): HardeningPlan {
  const group = state.userGroup;
  if (!group) throw new ValidationError(`user group ${request.userGroupId} does not exist`, 'userGroupId');
  if (group.status === 'deleting')
    throw new ValidationError(`user group ${request.userGroupId} is being deleted`, 'userGroupId');
  const field = 'defaultUserId';
  const userId = request.defaultUserId ?? derivedId(request.userGroupId, 'default', field);
  const defaultUser = planDefaultUser(userId, field, engineOf(group.engine), state.users);
  const quota = state.quotas?.usersPerAccount ?? ELASTICACHE_QUOTAS.usersPerAccount;
  if (defaultUser.create && state.users.length >= quota) {
    throw new ValidationError(
      `the account already has ${state.users.length} users, the ElastiCache quota is ${quota}`,
      field,
    );
  }
  const names = new Map(state.users.map((u) => [u.userId, u.userName]));
  const replacedUserIds = [...group.userIds, ...group.pendingUserIdsToAdd].filter(
    (id) => id !== userId && names.get(id) === DEFAULT_USER_NAME,
  );
  return {
    userGroupId: group.userGroupId,
    userGroupIds: [group.userGroupId],
    defaultUser,
    replacedUserIds: [...new Set(replacedUserIds)],
    userId,
    requestedBy: request.requestedBy,
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}

export function engineOf(engine: string): 'redis' | 'valkey' {
  return engine.toLowerCase() === 'valkey' ? 'valkey' : 'redis';
}

/** The members of a group named `default` other than `keep`, given every user's name. */
export function otherDefaultMembers(
  group: UserGroupSnapshot,
  keep: string,
  users: { userId: string; userName: string }[],
): string[] {
  const names = new Map(users.map((u) => [u.userId, u.userName]));
  return group.userIds.filter((id) => id !== keep && names.get(id) === DEFAULT_USER_NAME);
}
