/**
 * One adapter per cache service for the workflow suites that run the same ASL on ElastiCache and
 * on MemoryDB (`describe.each(CACHE_SERVICES)`): how to seed a user or a group (a user group, an
 * ACL), how to read them back in one shape, the commands and state faults each service has, and
 * what a workflow input adds for it. The tests read the sandbox through the service's own SDK
 * client, not through functions/aws, so a fault in an adapter there cannot hide itself.
 */
import {
  DescribeUserGroupsCommand,
  DescribeUsersCommand as DescribeElastiCacheUsersCommand,
  ElastiCacheClient,
  InvalidParameterValueException as ElastiCacheInvalidParameterValueException,
  InvalidUserGroupStateFault,
  InvalidUserStateFault as ElastiCacheInvalidUserStateFault,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  paginateDescribeUserGroups,
  paginateDescribeUsers as paginateElastiCacheUsers,
  UserNotFoundFault as ElastiCacheUserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  DescribeACLsCommand,
  DescribeUsersCommand as DescribeMemoryDbUsersCommand,
  InvalidACLStateFault,
  InvalidParameterValueException as MemoryDbInvalidParameterValueException,
  InvalidUserStateFault as MemoryDbInvalidUserStateFault,
  MemoryDBClient,
  UpdateACLCommand,
  UpdateUserCommand,
  paginateDescribeACLs,
  paginateDescribeUsers as paginateMemoryDbUsers,
  UserNotFoundFault as MemoryDbUserNotFoundFault,
} from '@aws-sdk/client-memorydb';
import { createAwsClient } from '../../functions/aws/clients.js';
import type { CacheService } from '../../functions/core/rbac/cache-service.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { found } from './rbac-fixture.js';

/** A user as both services describe it. */
export interface ServiceUser {
  status: string;
  /** ElastiCache's `UserName`; a MemoryDB user's name is its ID. */
  userName: string;
  authentication: { Type?: string; PasswordCount?: number };
  groups: string[];
}

/** A user group (ElastiCache) or an ACL (MemoryDB). */
export interface ServiceGroup {
  status: string;
  /** The members other than ElastiCache's built-in `default` (a MemoryDB ACL has none). */
  members: string[];
  pendingChanges: unknown;
  /** The replication groups (clusters) that use it. */
  caches: string[];
}

export interface CacheServiceAdapter {
  service: CacheService;
  /** The sandbox's (and the error messages') name of the service. */
  label: 'ElastiCache' | 'MemoryDB';
  /** What a workflow input adds to run on this service (ElastiCache is the default). */
  input: { service?: 'memorydb' };
  /** What a group is called in the error messages: "user group" or "ACL". */
  groupNoun: string;
  commands: { modifyGroup: string; modifyUser: string; deleteUser: string; createUser: string };
  /** The state faults a busy group or user answers with. */
  faults: { groupBusy: string; userBusy: string };
  groupBusyFault(groupId: string): Error;
  userBusyFault(userId: string): Error;
  /** The service's InvalidParameterValueException, a refusal no retry repairs. */
  invalidParameterFault(message: string): Error;
  /** The model's delay that keeps a group change pending. */
  groupModifyDelay: 'userGroupModify' | 'aclModify';
  model(sandbox: Sandbox): { delays: Record<string, number> } & (ElastiCacheModel | MemoryDbModel);
  seedGroup(sandbox: Sandbox, groupId: string, members?: string[]): void;
  /** Members a new group has before any is added (ElastiCache's `default`), counted by the quota. */
  builtInMembers: number;
  /** A TLS cache (replication group, cluster) that uses the group. */
  seedCache(sandbox: Sandbox, cacheId: string, groupId: string): void;
  /** The model's delay while a new user is `creating`; none when a new user is `active` at once. */
  userCreateDelay?: 'userCreate';
  seedUser(
    sandbox: Sandbox,
    spec: { userId: string; accessString: string; passwords?: string[]; userName?: string },
  ): void;
  user(userId: string): Promise<ServiceUser | undefined>;
  userExists(userId: string): Promise<boolean>;
  group(groupId: string): Promise<ServiceGroup | undefined>;
  /** Every user as `id:status` and every group as `id:members`, sorted. */
  listing(): Promise<{ users: string[]; groups: string[] }>;
  addToGroup(groupId: string, userId: string): Promise<unknown>;
  modifyAccessString(userId: string, accessString: string): Promise<unknown>;
}

const elastiCacheClient = () => createAwsClient(ElastiCacheClient, {});
const memoryDbClient = () => createAwsClient(MemoryDBClient, {});

const ELASTICACHE: CacheServiceAdapter = {
  service: 'elasticache',
  label: 'ElastiCache',
  input: {},
  groupNoun: 'user group',
  commands: {
    modifyGroup: 'ModifyUserGroup',
    modifyUser: 'ModifyUser',
    deleteUser: 'DeleteUser',
    createUser: 'CreateUser',
  },
  faults: { groupBusy: 'InvalidUserGroupStateFault', userBusy: 'InvalidUserStateFault' },
  groupBusyFault: (id) =>
    serviceFault(InvalidUserGroupStateFault, `User group ${id} is modifying, not active.`),
  userBusyFault: (id) =>
    serviceFault(ElastiCacheInvalidUserStateFault, `User ${id} is modifying, not active.`),
  invalidParameterFault: (message) => serviceFault(ElastiCacheInvalidParameterValueException, message),
  groupModifyDelay: 'userGroupModify',
  model: (sandbox) =>
    sandbox.model<ElastiCacheModel>('ElastiCache') as ElastiCacheModel & { delays: Record<string, number> },
  seedGroup: (sandbox, id, members = []) =>
    sandbox.model<ElastiCacheModel>('ElastiCache').seedUserGroup({ id, userIds: ['default', ...members] }),
  builtInMembers: 1,
  seedCache: (sandbox, id, groupId) =>
    sandbox
      .model<ElastiCacheModel>('ElastiCache')
      .seedReplicationGroup({ id, transitEncryption: true, userGroupIds: [groupId] }),
  userCreateDelay: 'userCreate',
  seedUser: (sandbox, { userId, userName, accessString, passwords }) =>
    sandbox
      .model<ElastiCacheModel>('ElastiCache')
      .seedUser({ userId, userName: userName ?? userId, accessString, passwords }),
  async user(userId) {
    const { Users } = await elastiCacheClient().send(new DescribeElastiCacheUsersCommand({ UserId: userId }));
    const user = Users?.[0];
    return user
      ? {
          status: user.Status ?? '',
          userName: user.UserName ?? '',
          authentication: { ...user.Authentication },
          groups: user.UserGroupIds ?? [],
        }
      : undefined;
  },
  userExists: (userId) =>
    found(
      elastiCacheClient().send(new DescribeElastiCacheUsersCommand({ UserId: userId })),
      ElastiCacheUserNotFoundFault,
    ),
  async group(id) {
    const { UserGroups } = await elastiCacheClient().send(new DescribeUserGroupsCommand({ UserGroupId: id }));
    const group = UserGroups?.[0];
    return group
      ? {
          status: group.Status ?? '',
          members: (group.UserIds ?? []).filter((u) => u !== 'default'),
          pendingChanges: group.PendingChanges,
          caches: group.ReplicationGroups ?? [],
        }
      : undefined;
  },
  async listing() {
    const users: string[] = [];
    for await (const page of paginateElastiCacheUsers({ client: elastiCacheClient() }, {}))
      users.push(...(page.Users ?? []).map((u) => `${u.UserId}:${u.Status}`));
    const groups: string[] = [];
    for await (const page of paginateDescribeUserGroups({ client: elastiCacheClient() }, {}))
      groups.push(
        ...(page.UserGroups ?? []).map((g) => `${g.UserGroupId}:${[...(g.UserIds ?? [])].sort().join(',')}`),
      );
    return { users: users.sort(), groups: groups.sort() };
  },
  addToGroup: (id, userId) =>
    elastiCacheClient().send(new ModifyUserGroupCommand({ UserGroupId: id, UserIdsToAdd: [userId] })),
  modifyAccessString: (userId, accessString) =>
    elastiCacheClient().send(new ModifyUserCommand({ UserId: userId, AccessString: accessString })),
};

const MEMORYDB: CacheServiceAdapter = {
  service: 'memorydb',
  label: 'MemoryDB',
  input: { service: 'memorydb' },
  groupNoun: 'ACL',
  commands: {
    modifyGroup: 'UpdateACL',
    modifyUser: 'UpdateUser',
    deleteUser: 'DeleteUser',
    createUser: 'CreateUser',
  },
  faults: { groupBusy: 'InvalidACLStateFault', userBusy: 'InvalidUserStateFault' },
  groupBusyFault: (id) => serviceFault(InvalidACLStateFault, `ACL ${id} is modifying, not active.`),
  userBusyFault: (id) => serviceFault(MemoryDbInvalidUserStateFault, `User ${id} is modifying, not active.`),
  invalidParameterFault: (message) => serviceFault(MemoryDbInvalidParameterValueException, message),
  groupModifyDelay: 'aclModify',
  model: (sandbox) =>
    sandbox.model<MemoryDbModel>('MemoryDB') as MemoryDbModel & { delays: Record<string, number> },
  seedGroup: (sandbox, name, members = []) =>
    sandbox.model<MemoryDbModel>('MemoryDB').seedAcl({ name, userNames: members }),
  builtInMembers: 0,
  seedCache: (sandbox, name, aclName) =>
    sandbox.model<MemoryDbModel>('MemoryDB').seedCluster({ name, aclName }),
  // A new MemoryDB user is active at once (docs/aws-facts.md): no creation delay.
  seedUser: (sandbox, { userId, userName, accessString, passwords }) => {
    // A MemoryDB user has only a name; a test that needs another name than the ID has no MemoryDB case.
    if (userName !== undefined && userName !== userId)
      throw new Error(`MemoryDB: ${userName} is not ${userId}`);
    sandbox.model<MemoryDbModel>('MemoryDB').seedUser({ userName: userId, accessString, passwords });
  },
  async user(name) {
    const { Users } = await memoryDbClient().send(new DescribeMemoryDbUsersCommand({ UserName: name }));
    const user = Users?.[0];
    return user
      ? {
          status: user.Status ?? '',
          userName: user.Name ?? '',
          authentication: { ...user.Authentication },
          groups: user.ACLNames ?? [],
        }
      : undefined;
  },
  userExists: (name) =>
    found(
      memoryDbClient().send(new DescribeMemoryDbUsersCommand({ UserName: name })),
      MemoryDbUserNotFoundFault,
    ),
  async group(name) {
    const { ACLs } = await memoryDbClient().send(new DescribeACLsCommand({ ACLName: name }));
    const acl = ACLs?.[0];
    return acl
      ? {
          status: acl.Status ?? '',
          members: acl.UserNames ?? [],
          pendingChanges: acl.PendingChanges,
          caches: acl.Clusters ?? [],
        }
      : undefined;
  },
  async listing() {
    const users: string[] = [];
    for await (const page of paginateMemoryDbUsers({ client: memoryDbClient() }, {}))
      users.push(...(page.Users ?? []).map((u) => `${u.Name}:${u.Status}`));
    const groups: string[] = [];
    for await (const page of paginateDescribeACLs({ client: memoryDbClient() }, {}))
      groups.push(...(page.ACLs ?? []).map((a) => `${a.Name}:${[...(a.UserNames ?? [])].sort().join(',')}`));
    return { users: users.sort(), groups: groups.sort() };
  },
  addToGroup: (name, userName) =>
    memoryDbClient().send(new UpdateACLCommand({ ACLName: name, UserNamesToAdd: [userName] })),
  modifyAccessString: (userName, accessString) =>
    memoryDbClient().send(new UpdateUserCommand({ UserName: userName, AccessString: accessString })),
};

/** The services that share the RBAC workflows (onboard, offboard, rotate-password, migrate-to-rbac). */
export const CACHE_SERVICES: readonly CacheServiceAdapter[] = [ELASTICACHE, MEMORYDB];

/**
 * What a rejected request must leave as it was on this service: its users and groups, the number
 * of secrets, how often each of the service's `mutations` was called, and that the other service
 * was not called at all.
 */
export async function serviceAccount(sandbox: Sandbox, adapter: CacheServiceAdapter, mutations: string[]) {
  const other = adapter.label === 'ElastiCache' ? 'MemoryDB' : 'ElastiCache';
  return {
    ...(await adapter.listing()),
    secrets: sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings().length,
    mutations: mutations.map((c) => sandbox.faults.calls(adapter.label, c)),
    otherService: [
      'CreateUser',
      'DeleteUser',
      'ModifyUser',
      'UpdateUser',
      'ModifyUserGroup',
      'UpdateACL',
    ].map((c) => sandbox.faults.calls(other, c)),
  };
}
