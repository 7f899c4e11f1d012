import {
  ACLAlreadyExistsFault,
  ACLNotFoundFault,
  ClusterNotFoundFault,
  CreateACLCommand,
  CreateUserCommand,
  ListTagsCommand,
  DeleteUserCommand,
  DescribeACLsCommand,
  DescribeClustersCommand,
  DescribeUsersCommand,
  MemoryDBClient,
  UpdateACLCommand,
  UpdateClusterCommand,
  UpdateUserCommand,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  paginateDescribeACLs,
  paginateDescribeClusters,
  paginateDescribeUsers,
  type ACL,
  type Cluster,
  type User,
} from '@aws-sdk/client-memorydb';
import { accessStringsEquivalent } from '../core/access-string/index.js';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { CachePosture } from '../core/posture/snapshot.js';
import { MEMORYDB_OPEN_ACCESS_ACL } from '../core/rbac/cache-service.js';
import { holdsExactly } from '../core/rbac/convergence.js';
import { CREATED_BY_TAG } from '../core/rbac/onboarding.js';
import type {
  CacheReplicationGroup,
  CacheUser,
  CacheUserGroup,
  NewCacheUser,
} from '../core/ports/cache-rbac.js';
import { createAwsClient } from './clients.js';

let client: MemoryDBClient | undefined;
const memoryDb = () => (client ??= createAwsClient(MemoryDBClient, {}));

/*
 * The MemoryDB side of the cache RBAC port (functions/core/ports/cache-rbac.ts; the selector is functions/aws/cache-rbac.ts). The mapping:
 * - a MemoryDB user has one identifier, its name: `userId` and `userName` are both the user
 *   name, and creating a user whose `userName` differs from its `userId` is refused;
 * - an ACL plays the part of a user group: `userGroupId` is the ACL name, the members are user
 *   names, `PendingChanges.UserNamesToAdd/Remove` are the pending additions/removals, and the
 *   clusters using the ACL stand where the replication groups are;
 * - a cluster plays the part of a replication group: its ACL is its one user group, except the
 *   built-in `open-access` ACL, which stands for "no user group" (anyone connects, as on AUTH);
 *   an ACL change under way is a pending add (the new ACL) and remove (the old one);
 * - MemoryDB users and ACLs have no engine (reported as ''), and a user needs a password (or
 *   IAM): there is no `no-password-required` user to create.
 */

export async function describeUser(userId: string): Promise<CacheUser | undefined> {
  try {
    const { Users } = await memoryDb().send(new DescribeUsersCommand({ UserName: userId }));
    return Users?.[0] ? toCacheUser(Users[0]) : undefined;
  } catch (error) {
    if (error instanceof UserNotFoundFault) return undefined;
    throw error;
  }
}

export async function listUsers(): Promise<CacheUser[]> {
  const users: CacheUser[] = [];
  for await (const page of paginateDescribeUsers({ client: memoryDb() }, {})) {
    users.push(...(page.Users ?? []).map(toCacheUser));
  }
  return users;
}

/**
 * Creates a password user named `userId`, tagged with the run creating it. A retry after a lost
 * response finds the user already there: it counts as created only with the same access string, a
 * password, and a `cachegate:created-by` tag naming this run; anything else is a ConflictError
 * (a user someone else created with that name is never adopted).
 */
export async function createUser(spec: NewCacheUser): Promise<{ user: CacheUser; created: boolean }> {
  if (spec.userName !== spec.userId) {
    throw new ValidationError(
      `MemoryDB users have no separate ID: the user name must be ${spec.userId}`,
      'userName',
    );
  }
  if (spec.passwords.length === 0) {
    throw new ValidationError('MemoryDB users need a password (or IAM authentication)', 'passwords');
  }
  try {
    const { User: user } = await memoryDb().send(
      new CreateUserCommand({
        UserName: spec.userId,
        AccessString: spec.accessString,
        AuthenticationMode: { Type: 'password', Passwords: spec.passwords },
        Tags: [{ Key: CREATED_BY_TAG, Value: spec.createdBy }],
      }),
    );
    return { user: toCacheUser(user ?? {}), created: true };
  } catch (error) {
    if (!(error instanceof UserAlreadyExistsFault)) throw error;
    const { Users } = await memoryDb().send(new DescribeUsersCommand({ UserName: spec.userId }));
    const found = Users?.[0];
    const existing = found ? toCacheUser(found) : undefined;
    if (
      !existing ||
      existing.authenticationType !== 'password' ||
      !accessStringsEquivalent(existing.accessString, spec.accessString)
    ) {
      throw new ConflictError(
        `user ${spec.userId} already exists with a different access string: nothing was adopted`,
      );
    }
    const { TagList } = await memoryDb().send(new ListTagsCommand({ ResourceArn: found?.ARN }));
    const createdBy = TagList?.find((t) => t.Key === CREATED_BY_TAG)?.Value;
    if (createdBy !== spec.createdBy) {
      throw new ConflictError(
        `user ${spec.userId} already exists and was not created by this run (${CREATED_BY_TAG}: ${createdBy ?? 'none'}): nothing was adopted`,
      );
    }
    return { user: existing, created: false };
  }
}

/** Replaces the user's whole password list (1 or 2 passwords): `UpdateUser`, the user turns `modifying`. */
export async function modifyUserPasswords(userId: string, passwords: string[]): Promise<CacheUser> {
  const { User: user } = await memoryDb().send(
    new UpdateUserCommand({
      UserName: userId,
      AuthenticationMode: { Type: 'password', Passwords: passwords },
    }),
  );
  return toCacheUser(user ?? {});
}

/** Starts deleting the user (which removes it from every ACL); false when it is already gone. */
export async function deleteUser(userId: string): Promise<boolean> {
  try {
    await memoryDb().send(new DeleteUserCommand({ UserName: userId }));
    return true;
  } catch (error) {
    if (error instanceof UserNotFoundFault) return false;
    throw error;
  }
}

/** The ACL named `userGroupId`, as a user group. */
export async function describeUserGroup(userGroupId: string): Promise<CacheUserGroup | undefined> {
  try {
    const { ACLs } = await memoryDb().send(new DescribeACLsCommand({ ACLName: userGroupId }));
    return ACLs?.[0] ? toCacheUserGroup(ACLs[0]) : undefined;
  } catch (error) {
    if (error instanceof ACLNotFoundFault) return undefined;
    throw error;
  }
}

export async function listUserGroups(): Promise<CacheUserGroup[]> {
  const groups: CacheUserGroup[] = [];
  for await (const page of paginateDescribeACLs({ client: memoryDb() }, {})) {
    groups.push(...(page.ACLs ?? []).map(toCacheUserGroup));
  }
  return groups;
}

/** `UpdateACL` with user names to add and remove; a busy ACL fails with InvalidACLStateFault. */
export async function modifyUserGroup(
  userGroupId: string,
  change: { add?: string[]; remove?: string[] },
): Promise<CacheUserGroup> {
  const { ACL: acl } = await memoryDb().send(
    new UpdateACLCommand({
      ACLName: userGroupId,
      ...(change.add?.length ? { UserNamesToAdd: change.add } : {}),
      ...(change.remove?.length ? { UserNamesToRemove: change.remove } : {}),
    }),
  );
  return toCacheUserGroup(acl ?? {});
}

/**
 * Creates an ACL with these users (migrate-to-rbac). A retry that finds the ACL with exactly
 * these members counts as created; other members are a ConflictError. `engine` is ElastiCache's:
 * MemoryDB ACLs have none.
 */
export async function createUserGroup(
  userGroupId: string,
  _engine: string,
  userIds: string[],
): Promise<CacheUserGroup> {
  try {
    const { ACL: acl } = await memoryDb().send(
      new CreateACLCommand({ ACLName: userGroupId, UserNames: userIds }),
    );
    return toCacheUserGroup(acl ?? {});
  } catch (error) {
    if (!(error instanceof ACLAlreadyExistsFault)) throw error;
    const existing = await describeUserGroup(userGroupId);
    if (!existing || !holdsExactly(existing, userIds)) {
      throw new ConflictError(`ACL ${userGroupId} already exists with other members`);
    }
    return existing;
  }
}

/** The cluster named `replicationGroupId`, as a replication group (see the mapping above). */
export async function describeReplicationGroup(
  replicationGroupId: string,
): Promise<CacheReplicationGroup | undefined> {
  try {
    const { Clusters } = await memoryDb().send(
      new DescribeClustersCommand({ ClusterName: replicationGroupId }),
    );
    return Clusters?.[0] ? toCacheReplicationGroup(Clusters[0]) : undefined;
  } catch (error) {
    if (error instanceof ClusterNotFoundFault) return undefined;
    throw error;
  }
}

export async function describeEngineVersion(replicationGroupId: string): Promise<string | undefined> {
  return (await describeReplicationGroup(replicationGroupId))?.engineVersion;
}

/** `UpdateCluster` with the ACL; a busy cluster or ACL fails with its state fault (retried). */
export async function attachUserGroup(
  replicationGroupId: string,
  userGroupId: string,
): Promise<CacheReplicationGroup> {
  const { Cluster: cluster } = await memoryDb().send(
    new UpdateClusterCommand({ ClusterName: replicationGroupId, ACLName: userGroupId }),
  );
  return toCacheReplicationGroup(cluster ?? {});
}

function toCacheReplicationGroup(cluster: Cluster): CacheReplicationGroup {
  const current = cluster.ACLName ?? MEMORYDB_OPEN_ACCESS_ACL;
  const next = cluster.PendingUpdates?.ACLs?.ACLToApply;
  const asGroups = (acl: string) => (acl === MEMORYDB_OPEN_ACCESS_ACL ? [] : [acl]);
  return {
    replicationGroupId: cluster.Name ?? '',
    status: cluster.Status ?? 'unknown',
    engine: cluster.Engine ?? 'redis',
    ...(cluster.EngineVersion ? { engineVersion: cluster.EngineVersion } : {}),
    transitEncryptionEnabled: cluster.TLSEnabled ?? false,
    authTokenEnabled: false,
    userGroupIds: asGroups(current),
    pendingUserGroupIdsToAdd: next ? asGroups(next) : [],
    pendingUserGroupIdsToRemove: next ? asGroups(current) : [],
  };
}

function toCacheUser(user: User): CacheUser {
  return {
    userId: user.Name ?? '',
    userName: user.Name ?? '',
    status: user.Status ?? 'unknown',
    engine: '',
    accessString: user.AccessString ?? '',
    authenticationType: user.Authentication?.Type ?? 'unknown',
    passwordCount: user.Authentication?.PasswordCount ?? 0,
    userGroupIds: user.ACLNames ?? [],
  };
}

function toCacheUserGroup(acl: ACL): CacheUserGroup {
  return {
    userGroupId: acl.Name ?? '',
    status: acl.Status ?? 'unknown',
    engine: '',
    userIds: acl.UserNames ?? [],
    pendingUserIdsToAdd: acl.PendingChanges?.UserNamesToAdd ?? [],
    pendingUserIdsToRemove: acl.PendingChanges?.UserNamesToRemove ?? [],
    replicationGroupIds: acl.Clusters ?? [],
    serverlessCacheIds: [],
  };
}

/** Every cluster, as the posture audit reads it (TLS, ACL; `open-access` lets anyone in). */
export async function listClusterPostures(): Promise<CachePosture[]> {
  const caches: CachePosture[] = [];
  for await (const page of paginateDescribeClusters({ client: memoryDb() }, {})) {
    for (const cluster of page.Clusters ?? []) {
      const aclName = cluster.ACLName ?? MEMORYDB_OPEN_ACCESS_ACL;
      caches.push({
        kind: 'memorydb-cluster',
        id: cluster.Name ?? '',
        transitEncryption: cluster.TLSEnabled ?? false,
        authTokenEnabled: false,
        userGroupIds: aclName === MEMORYDB_OPEN_ACCESS_ACL ? [] : [aclName],
        aclName,
      });
    }
  }
  return caches;
}
