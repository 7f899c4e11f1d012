import {
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
  ModifyServerlessCacheCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
  UserAlreadyExistsFault,
  UserGroupAlreadyExistsFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
  paginateDescribeReplicationGroups,
  paginateDescribeServerlessCaches,
  paginateDescribeUserGroups,
  paginateDescribeUsers,
  type ReplicationGroup,
  type ServerlessCache,
  type User,
  type UserGroup,
} from '@aws-sdk/client-elasticache';
import { accessStringsEquivalent } from '../core/access-string/index.js';
import { ConflictError } from '../core/errors.js';
import { holdsExactly } from '../core/rbac/convergence.js';
import { CREATED_BY_TAG } from '../core/rbac/onboarding.js';
import type { CachePosture } from '../core/posture/snapshot.js';
import type {
  CacheEngine,
  CacheReplicationGroup,
  CacheUser,
  CacheUserGroup,
  NewCacheUser,
} from '../core/ports/cache-rbac.js';
import { createAwsClient } from './clients.js';

let client: ElastiCacheClient | undefined;
const elastiCache = () => (client ??= createAwsClient(ElastiCacheClient, {}));

export async function describeUser(userId: string): Promise<CacheUser | undefined> {
  try {
    const { Users } = await elastiCache().send(new DescribeUsersCommand({ UserId: userId }));
    return Users?.[0] ? toCacheUser(Users[0]) : undefined;
  } catch (error) {
    if (error instanceof UserNotFoundFault) return undefined;
    throw error;
  }
}

export async function listUsers(): Promise<CacheUser[]> {
  const users: CacheUser[] = [];
  for await (const page of paginateDescribeUsers({ client: elastiCache() }, {})) {
    users.push(...(page.Users ?? []).map(toCacheUser));
  }
  return users;
}

/**
 * Creates a user, tagged with the run creating it. A retry after a lost response finds the user
 * already there: it counts as created only when it is the same user (name, engine, access string
 * by meaning) AND its `cachegate:created-by` tag names this run; a user someone else created with
 * the same ID is never adopted (ConflictError: the passwords cannot be compared, AWS never
 * returns them, so only the tag proves whose user it is).
 */
export async function createUser(spec: NewCacheUser): Promise<{ user: CacheUser; created: boolean }> {
  try {
    const user = await elastiCache().send(
      new CreateUserCommand({
        UserId: spec.userId,
        UserName: spec.userName,
        Engine: spec.engine,
        AccessString: spec.accessString,
        AuthenticationMode: spec.iam
          ? { Type: 'iam' }
          : spec.passwords.length > 0
            ? { Type: 'password', Passwords: spec.passwords }
            : { Type: 'no-password-required' },
        Tags: [{ Key: CREATED_BY_TAG, Value: spec.createdBy }],
      }),
    );
    return { user: toCacheUser(user), created: true };
  } catch (error) {
    if (!(error instanceof UserAlreadyExistsFault)) throw error;
    const { Users } = await elastiCache().send(new DescribeUsersCommand({ UserId: spec.userId }));
    const existing = Users?.[0];
    if (!existing || !sameUser(toCacheUser(existing), spec)) {
      throw new ConflictError(
        `user ${spec.userId} already exists with a different name, engine or access string: nothing was adopted`,
      );
    }
    const { TagList } = await elastiCache().send(
      new ListTagsForResourceCommand({ ResourceName: existing.ARN }),
    );
    const createdBy = TagList?.find((t) => t.Key === CREATED_BY_TAG)?.Value;
    if (createdBy !== spec.createdBy) {
      throw new ConflictError(
        `user ${spec.userId} already exists and was not created by this run (${CREATED_BY_TAG}: ${createdBy ?? 'none'}): nothing was adopted`,
      );
    }
    return { user: toCacheUser(existing), created: false };
  }
}

function sameUser(existing: CacheUser, spec: NewCacheUser): boolean {
  return (
    existing.userName === spec.userName &&
    existing.engine === spec.engine &&
    accessStringsEquivalent(existing.accessString, spec.accessString) &&
    existing.authenticationType ===
      (spec.iam ? 'iam' : spec.passwords.length > 0 ? 'password' : 'no-password')
  );
}

/** Replaces the user's whole password list (1 or 2 passwords). */
export async function modifyUserPasswords(userId: string, passwords: string[]): Promise<CacheUser> {
  const user = await elastiCache().send(
    new ModifyUserCommand({ UserId: userId, AuthenticationMode: { Type: 'password', Passwords: passwords } }),
  );
  return toCacheUser(user);
}

/** Replaces the user's access string and its passwords with one new password (finish-migration's lock). */
export async function lockUser(userId: string, accessString: string, password: string): Promise<CacheUser> {
  const user = await elastiCache().send(
    new ModifyUserCommand({
      UserId: userId,
      AccessString: accessString,
      AuthenticationMode: { Type: 'password', Passwords: [password] },
    }),
  );
  return toCacheUser(user);
}

/** Starts deleting the user; false when it is already gone. */
export async function deleteUser(userId: string): Promise<boolean> {
  try {
    await elastiCache().send(new DeleteUserCommand({ UserId: userId }));
    return true;
  } catch (error) {
    if (error instanceof UserNotFoundFault) return false;
    throw error;
  }
}

export async function describeUserGroup(userGroupId: string): Promise<CacheUserGroup | undefined> {
  try {
    const { UserGroups } = await elastiCache().send(
      new DescribeUserGroupsCommand({ UserGroupId: userGroupId }),
    );
    return UserGroups?.[0] ? toCacheUserGroup(UserGroups[0]) : undefined;
  } catch (error) {
    if (error instanceof UserGroupNotFoundFault) return undefined;
    throw error;
  }
}

export async function listUserGroups(): Promise<CacheUserGroup[]> {
  const groups: CacheUserGroup[] = [];
  for await (const page of paginateDescribeUserGroups({ client: elastiCache() }, {})) {
    groups.push(...(page.UserGroups ?? []).map(toCacheUserGroup));
  }
  return groups;
}

/** Creates a user group; a retry that finds the same group (engine and members) counts as created. */
export async function createUserGroup(
  userGroupId: string,
  engine: CacheEngine,
  userIds: string[],
): Promise<CacheUserGroup> {
  try {
    const group = await elastiCache().send(
      new CreateUserGroupCommand({ UserGroupId: userGroupId, Engine: engine, UserIds: userIds }),
    );
    return toCacheUserGroup(group);
  } catch (error) {
    if (!(error instanceof UserGroupAlreadyExistsFault)) throw error;
    const existing = await describeUserGroup(userGroupId);
    if (!existing || existing.engine !== engine || !holdsExactly(existing, userIds)) {
      throw new ConflictError(`user group ${userGroupId} already exists with a different engine or members`);
    }
    return existing;
  }
}

export async function modifyUserGroup(
  userGroupId: string,
  change: { add?: string[]; remove?: string[] },
): Promise<CacheUserGroup> {
  const group = await elastiCache().send(
    new ModifyUserGroupCommand({
      UserGroupId: userGroupId,
      ...(change.add?.length ? { UserIdsToAdd: change.add } : {}),
      ...(change.remove?.length ? { UserIdsToRemove: change.remove } : {}),
    }),
  );
  return toCacheUserGroup(group);
}

/** Starts deleting the user group; false when it is already gone. */
export async function deleteUserGroup(userGroupId: string): Promise<boolean> {
  try {
    await elastiCache().send(new DeleteUserGroupCommand({ UserGroupId: userGroupId }));
    return true;
  } catch (error) {
    if (error instanceof UserGroupNotFoundFault) return false;
    throw error;
  }
}

export async function describeReplicationGroup(
  replicationGroupId: string,
): Promise<CacheReplicationGroup | undefined> {
  try {
    const { ReplicationGroups } = await elastiCache().send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
    );
    return ReplicationGroups?.[0] ? toCacheReplicationGroup(ReplicationGroups[0]) : undefined;
  } catch (error) {
    if (error instanceof ReplicationGroupNotFoundFault) return undefined;
    throw error;
  }
}

/**
 * ElastiCache shows the engine version on the nodes (CacheCluster.EngineVersion), not on the
 * replication group: read it from the group's first member cluster.
 */
export async function describeEngineVersion(replicationGroupId: string): Promise<string | undefined> {
  const { ReplicationGroups } = await elastiCache().send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }),
  );
  const member = ReplicationGroups?.[0]?.MemberClusters?.[0];
  if (member === undefined) return undefined;
  const { CacheClusters } = await elastiCache().send(
    new DescribeCacheClustersCommand({ CacheClusterId: member }),
  );
  return CacheClusters?.[0]?.EngineVersion;
}

/**
 * Attaches a user group (migrate-to-rbac), applied immediately: the port's name for it. On a
 * replication group that uses AUTH, the same call deletes the token
 * (`AuthTokenUpdateStrategy=DELETE`): AWS refuses `UserGroupIdsToAdd` on an AUTH-enabled group
 * without it (InvalidParameterCombination). Clients that keep sending `AUTH <token>` then log in
 * as the group's user named `default`, which migrate-to-rbac gives that token as its password.
 */
export async function attachUserGroup(
  replicationGroupId: string,
  userGroupId: string,
): Promise<CacheReplicationGroup> {
  const current = await describeReplicationGroup(replicationGroupId);
  const { ReplicationGroup: group } = await elastiCache().send(
    new ModifyReplicationGroupCommand({
      ReplicationGroupId: replicationGroupId,
      ApplyImmediately: true,
      UserGroupIdsToAdd: [userGroupId],
      ...(current?.authTokenEnabled ? { AuthTokenUpdateStrategy: 'DELETE' } : {}),
    }),
  );
  return toCacheReplicationGroup(group ?? {});
}

/**
 * Changes the AUTH token, applied immediately (`AuthToken` + `AuthTokenUpdateStrategy`, API
 * reference): `ROTATE` adds the token (old and new both accepted), `SET` keeps only it — after a
 * ROTATE, or with `UserGroupIdsToRemove` when going back from RBAC (rollback-to-auth). The token
 * is never part of an error cachegate raises.
 */
export async function modifyAuthToken(
  replicationGroupId: string,
  token: string,
  strategy: 'ROTATE' | 'SET',
  userGroupIdsToRemove: string[] = [],
): Promise<CacheReplicationGroup> {
  const { ReplicationGroup: group } = await elastiCache().send(
    new ModifyReplicationGroupCommand({
      ReplicationGroupId: replicationGroupId,
      ApplyImmediately: true,
      AuthToken: token,
      AuthTokenUpdateStrategy: strategy,
      ...(userGroupIdsToRemove.length > 0 ? { UserGroupIdsToRemove: userGroupIdsToRemove } : {}),
    }),
  );
  return toCacheReplicationGroup(group ?? {});
}

/**
 * A serverless cache, read as the replication-group snapshot the RBAC planning takes: its one
 * user group (`UserGroupId`), no AUTH token and no pending values (a change shows as `modifying`
 * instead), in-transit encryption always on (serverless caches accept only TLS connections:
 * docs/aws-facts.md), and the engine version it reports (`FullEngineVersion`).
 */
export type CacheServerlessCache = CacheReplicationGroup & { serverless: true; endpoint?: string };

export async function describeServerlessCache(name: string): Promise<CacheServerlessCache | undefined> {
  try {
    const { ServerlessCaches } = await elastiCache().send(
      new DescribeServerlessCachesCommand({ ServerlessCacheName: name }),
    );
    return ServerlessCaches?.[0] ? toCacheServerlessCache(ServerlessCaches[0]) : undefined;
  } catch (error) {
    if (error instanceof ServerlessCacheNotFoundFault) return undefined;
    throw error;
  }
}

export async function listServerlessCaches(): Promise<CacheServerlessCache[]> {
  const caches: CacheServerlessCache[] = [];
  for await (const page of paginateDescribeServerlessCaches({ client: elastiCache() }, {})) {
    caches.push(...(page.ServerlessCaches ?? []).map(toCacheServerlessCache));
  }
  return caches;
}

/**
 * Makes `userGroupId` the serverless cache's user group (`ModifyServerlessCache --user-group-id`):
 * RBAC is the only access control a serverless cache has, and it takes one user group.
 */
export async function attachServerlessUserGroup(
  name: string,
  userGroupId: string,
): Promise<CacheServerlessCache> {
  const { ServerlessCache: cache } = await elastiCache().send(
    new ModifyServerlessCacheCommand({ ServerlessCacheName: name, UserGroupId: userGroupId }),
  );
  return toCacheServerlessCache(cache ?? {});
}

function toCacheServerlessCache(cache: ServerlessCache): CacheServerlessCache {
  const version = cache.FullEngineVersion ?? cache.MajorEngineVersion;
  return {
    serverless: true,
    replicationGroupId: cache.ServerlessCacheName ?? '',
    status: cache.Status ?? 'unknown',
    engine: cache.Engine ?? '',
    ...(version ? { engineVersion: version } : {}),
    ...(cache.ARN ? { arn: cache.ARN } : {}),
    ...(cache.Endpoint?.Address
      ? { endpoint: `${cache.Endpoint.Address}:${cache.Endpoint.Port ?? 6379}` }
      : {}),
    transitEncryptionEnabled: true,
    authTokenEnabled: false,
    userGroupIds: cache.UserGroupId ? [cache.UserGroupId] : [],
    pendingUserGroupIdsToAdd: [],
    pendingUserGroupIdsToRemove: [],
  };
}

function toCacheUser(user: User): CacheUser {
  return {
    userId: user.UserId ?? '',
    userName: user.UserName ?? '',
    status: user.Status ?? 'unknown',
    engine: user.Engine ?? '',
    accessString: user.AccessString ?? '',
    authenticationType: user.Authentication?.Type ?? 'unknown',
    passwordCount: user.Authentication?.PasswordCount ?? 0,
    userGroupIds: user.UserGroupIds ?? [],
  };
}

function toCacheUserGroup(group: UserGroup): CacheUserGroup {
  return {
    userGroupId: group.UserGroupId ?? '',
    status: group.Status ?? 'unknown',
    engine: group.Engine ?? '',
    userIds: group.UserIds ?? [],
    pendingUserIdsToAdd: group.PendingChanges?.UserIdsToAdd ?? [],
    pendingUserIdsToRemove: group.PendingChanges?.UserIdsToRemove ?? [],
    replicationGroupIds: group.ReplicationGroups ?? [],
    serverlessCacheIds: group.ServerlessCaches ?? [],
  };
}

function toCacheReplicationGroup(group: ReplicationGroup): CacheReplicationGroup {
  return {
    replicationGroupId: group.ReplicationGroupId ?? '',
    status: group.Status ?? 'unknown',
    engine: group.Engine ?? '',
    ...(group.ARN ? { arn: group.ARN } : {}),
    transitEncryptionEnabled: group.TransitEncryptionEnabled ?? false,
    authTokenEnabled: group.AuthTokenEnabled ?? false,
    ...(group.PendingModifiedValues?.AuthTokenStatus
      ? { authTokenStatus: group.PendingModifiedValues.AuthTokenStatus }
      : {}),
    userGroupIds: group.UserGroupIds ?? [],
    pendingUserGroupIdsToAdd: group.PendingModifiedValues?.UserGroups?.UserGroupIdsToAdd ?? [],
    pendingUserGroupIdsToRemove: group.PendingModifiedValues?.UserGroups?.UserGroupIdsToRemove ?? [],
  };
}

/** Every replication group, as the posture audit reads it (TLS, AUTH token and its age, user groups). */
export async function listReplicationGroupPostures(): Promise<CachePosture[]> {
  const caches: CachePosture[] = [];
  for await (const page of paginateDescribeReplicationGroups({ client: elastiCache() }, {})) {
    for (const group of page.ReplicationGroups ?? []) {
      caches.push({
        kind: 'replication-group',
        id: group.ReplicationGroupId ?? '',
        transitEncryption: group.TransitEncryptionEnabled ?? false,
        authTokenEnabled: group.AuthTokenEnabled ?? false,
        ...(group.AuthTokenLastModifiedDate
          ? { authTokenLastModified: group.AuthTokenLastModifiedDate.toISOString() }
          : {}),
        userGroupIds: group.UserGroupIds ?? [],
      });
    }
  }
  return caches;
}
