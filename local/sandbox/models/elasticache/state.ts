import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserGroupStateFault,
  InvalidUserStateFault,
  ReplicationGroupNotFoundFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
  type ReplicationGroup as ReplicationGroupView,
  type User as UserView,
  type UserGroup as UserGroupView,
} from '@aws-sdk/client-elasticache';
import { normalizeAccessString } from '../../../../functions/core/access-string/index.js';
import { validatePassword } from '../../../../functions/core/password-policy.js';
import {
  DEFAULT_MODIFYING_LATENCY,
  checkLatencyDistribution,
  drawLatency,
  seededRandom,
} from '../../modifying-latency.js';
import type { SandboxClock } from '../../clock.js';
import { serviceFault } from '../../service-error.js';
import {
  applyDueChanges,
  authenticationView,
  reportUserChange,
  type Pending,
  type RbacFaults,
} from '../cache-rbac-model-helpers.js';
import type { Authentication, Engine } from './parameters.js';

/** Simulated durations of the asynchronous changes (milliseconds of sandbox time). */
export interface ElastiCacheDelays {
  userCreate: number;
  userModify: number;
  userDelete: number;
  userGroupCreate: number;
  userGroupModify: number;
  userGroupDelete: number;
  replicationGroupModify: number;
  serverlessCreate: number;
  serverlessModify: number;
  serverlessDelete: number;
  /** How long a serverless cache is `modifying` after a change of its user group landed. */
  serverlessUserGroupSync: number;
}

export interface ElastiCacheQuotas {
  usersPerAccount: number;
  usersPerUserGroup: number;
  userGroupsPerAccount: number;
}

/**
 * Told when a user's settled state changes: after a create or modify completes (`passwords` are
 * the user's passwords now) and after a delete completes (`user.Status` is `deleted`). The hook
 * may mirror the user into a real redis-server (`ACL SETUSER`) so a password can be tried with
 * `AUTH`; the model awaits it before answering the call that settled the change.
 */
export type UserChangedHook = (user: UserView, passwords: readonly string[]) => void | Promise<void>;

/**
 * How clients authenticate on a replication group once a change has settled: with its AUTH
 * token(s) (two while a ROTATE is in force), as the users of its user group (what a bare
 * `AUTH <password>` logs in as is the group's user named `default`), or not at all.
 */
export type ReplicationGroupAccess =
  | { mode: 'auth'; tokens: readonly string[] }
  | { mode: 'rbac'; defaultUser: { accessString: string; passwords: readonly string[] } | undefined }
  | { mode: 'open' };

/**
 * Told when a replication group's access settles: after a ModifyReplicationGroup completes, after
 * its user group's membership changes, after its default user changes, and when seeded. A mirror
 * may apply it to a redis-server standing for that replication group; the model awaits it.
 */
export type ReplicationGroupChangedHook = (
  group: ReplicationGroupView,
  access: ReplicationGroupAccess,
) => void | Promise<void>;

export interface ElastiCacheModelOptions {
  region?: string;
  accountId?: string;
  delays?: Partial<ElastiCacheDelays>;
  quotas?: Partial<ElastiCacheQuotas>;
  onUserChanged?: UserChangedHook;
  onReplicationGroupChanged?: ReplicationGroupChangedHook;
}

const DEFAULT_DELAYS: ElastiCacheDelays = {
  userCreate: 40_000,
  userModify: 30_000,
  userDelete: 30_000,
  userGroupCreate: 45_000,
  userGroupModify: 60_000,
  userGroupDelete: 30_000,
  replicationGroupModify: 120_000,
  serverlessCreate: 60_000,
  serverlessModify: 45_000,
  serverlessDelete: 45_000,
  serverlessUserGroupSync: 20_000,
};

/** AWS's documented quotas: 1000 users per account, 100 users per group, 100 groups. */
const DEFAULT_QUOTAS: ElastiCacheQuotas = {
  usersPerAccount: 1000,
  usersPerUserGroup: 100,
  userGroupsPerAccount: 100,
};

export const BUILT_IN_DEFAULT_USER = 'default';
export const DEFAULT_USER_NAME = 'default';
const MAX_RECORDS = 100;
export const FAULTS: RbacFaults = {
  InvalidParameterValueException,
  InvalidParameterCombinationException,
  InvalidUserStateFault,
};

export interface User {
  userId: string;
  userName: string;
  engine: Engine;
  accessString: string;
  authentication: Authentication;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pending?: Pending;
  /** The tags CreateUser set (ListTagsForResource on the user's ARN returns them). */
  tags?: Map<string, string>;
}

export interface UserGroup {
  userGroupId: string;
  engine: Engine;
  userIds: Set<string>;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pendingChanges?: { add: string[]; remove: string[] };
  pending?: Pending;
}

export interface ReplicationGroup {
  replicationGroupId: string;
  engine: Engine;
  /** The engine version of its nodes (DescribeCacheClusters shows it; ReplicationGroup has none). */
  engineVersion: string;
  transitEncryption: boolean;
  /** The AUTH tokens accepted now: none (no AUTH), one, or two while a ROTATE is in force. */
  authTokens: string[];
  authTokenLastModified?: Date;
  userGroupIds: string[];
  status: 'available' | 'modifying';
  pendingUserGroups?: { add: string[]; remove: string[] };
  pendingAuthToken?: 'ROTATING' | 'SETTING';
  pending?: Pending;
}

/** A serverless cache (serverless-caches.ts); RBAC is its only access control: one user group. */
export interface ServerlessCache {
  name: string;
  description: string;
  engine: Engine;
  majorEngineVersion: string;
  fullEngineVersion: string;
  userGroupId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
  createTime: Date;
  status: 'creating' | 'available' | 'modifying' | 'deleting';
  pending?: Pending;
}

export type UserInput = {
  UserId?: string;
  UserName?: string;
  Engine?: string;
  AccessString?: string;
  AppendAccessString?: string;
  Passwords?: string[];
  NoPasswordRequired?: boolean;
  AuthenticationMode?: { Type?: string; Passwords?: string[] };
};

/**
 * Amazon ElastiCache RBAC as documented: users, user groups and the replication groups they are
 * attached to. Every create/modify/delete is asynchronous (`creating`/`modifying`/`deleting`,
 * then `active` or gone, on the sandbox clock), a call on a resource that is not `active` fails
 * with the state fault, `Passwords` replaces the whole list (at most 2), a user group always holds
 * a user named `default`, quotas apply, and user groups attach only to TLS replication groups,
 * one each. Modifications become visible only when they complete, as on AWS. Access strings are
 * validated and stored rewritten (normalized), as AWS rewrites them. Error messages never carry
 * a password.

/**
 * The account's ElastiCache RBAC resources and what every operation shares: the lookups, the
 * views the API returns, the asynchronous changes on the sandbox clock and the hooks told when
 * one settles. The operations themselves live in one file per resource (users.ts,
 * user-groups.ts, replication-groups.ts).
 */
export class ElastiCacheState {
  readonly delays: ElastiCacheDelays;
  readonly quotas: ElastiCacheQuotas;
  readonly users = new Map<string, User>();
  readonly userGroups = new Map<string, UserGroup>();
  readonly replicationGroups = new Map<string, ReplicationGroup>();
  readonly serverlessCaches = new Map<string, ServerlessCache>();
  readonly region: string;
  readonly accountId: string;
  readonly notifications: Promise<void>[] = [];
  onUserChanged: UserChangedHook | undefined;
  onReplicationGroupChanged: ReplicationGroupChangedHook | undefined;
  private modifying: { latency: typeof DEFAULT_MODIFYING_LATENCY; random: () => number } | undefined;

  constructor(
    readonly clock: SandboxClock,
    options: ElastiCacheModelOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.onUserChanged = options.onUserChanged;
    this.onReplicationGroupChanged = options.onReplicationGroupChanged;
    // Every account has the built-in `default` user: open access, no password.
    this.users.set(BUILT_IN_DEFAULT_USER, {
      userId: BUILT_IN_DEFAULT_USER,
      userName: DEFAULT_USER_NAME,
      engine: 'redis',
      accessString: normalizeAccessString('on ~* &* +@all'),
      authentication: { type: 'no-password' },
      status: 'active',
    });
  }

  /**
   * Modifications of users and user groups take a seeded draw from `latency` (default: the
   * documented assumption, local/sandbox/modifying-latency.ts) instead of the fixed
   * `delays.userModify` / `delays.userGroupModify`, which stay for tests that step the clock.
   */
  useModifyingLatency(latency = DEFAULT_MODIFYING_LATENCY, seed = 1): void {
    checkLatencyDistribution('user', latency.user);
    checkLatencyDistribution('userGroup', latency.userGroup);
    this.modifying = { latency, random: seededRandom(seed) };
  }

  /** How long the modification starting now keeps a user or user group `modifying`. */
  modifyingMs(kind: 'user' | 'userGroup'): number {
    if (!this.modifying) return kind === 'user' ? this.delays.userModify : this.delays.userGroupModify;
    return drawLatency(this.modifying.latency[kind], this.modifying.random);
  }

  /** Applies every change whose time has come and waits for the hooks they triggered. */
  async settle(): Promise<void> {
    this.applyDueChanges();
    const notifications = this.notifications.splice(0);
    await Promise.all(notifications);
  }

  applyDueChanges(): void {
    applyDueChanges(
      [
        ...this.users.values(),
        ...this.userGroups.values(),
        ...this.replicationGroups.values(),
        ...this.serverlessCaches.values(),
      ],
      this.clock.nowMs(),
    );
  }

  async settled<T>(work: () => T): Promise<T> {
    await this.settle();
    return work();
  }

  notify(user: User, deleted?: 'deleted'): void {
    if (this.onUserChanged) {
      this.notifications.push(
        reportUserChange(this.onUserChanged, this.userView(user), user.authentication, deleted),
      );
    }
    // A bare `AUTH <password>` logs in as the group's user named `default`: its change changes
    // how the replication groups using that group let clients in.
    if (user.userName === DEFAULT_USER_NAME) {
      for (const groupId of this.groupsOf(user.userId)) this.notifyAccessOfUserGroup(groupId);
    }
  }

  notifyAccessOfUserGroup(userGroupId: string): void {
    for (const rg of this.replicationGroups.values()) {
      if (rg.userGroupIds.includes(userGroupId)) this.notifyAccess(rg);
    }
  }

  notifyAccess(group: ReplicationGroup): void {
    if (!this.onReplicationGroupChanged) return;
    const hook = this.onReplicationGroupChanged;
    const access = this.accessOf(group);
    const view = this.replicationGroupView(group);
    this.notifications.push(Promise.resolve(hook(view, access)));
  }

  accessOf(group: ReplicationGroup): ReplicationGroupAccess {
    if (group.authTokens.length > 0) return { mode: 'auth', tokens: [...group.authTokens] };
    const userGroup =
      group.userGroupIds[0] === undefined ? undefined : this.userGroups.get(group.userGroupIds[0]);
    if (!userGroup) return { mode: 'open' };
    const defaultUser = [...userGroup.userIds]
      .map((id) => this.users.get(id))
      .find((user) => user?.userName === DEFAULT_USER_NAME);
    if (!defaultUser) return { mode: 'rbac', defaultUser: undefined };
    const auth = defaultUser.authentication;
    return {
      mode: 'rbac',
      defaultUser: {
        accessString: defaultUser.accessString,
        passwords: auth.type === 'password' ? [...auth.passwords] : [],
      },
    };
  }

  /**
   * A user being added to or removed from a user group shows `modifying` (and refuses changes
   * with InvalidUserStateFault) until the group's change lands. Assumption: observed on AWS, not
   * written in the API reference.
   */
  userStatus(user: User): User['status'] {
    if (user.status !== 'active') return user.status;
    const changing = [...this.userGroups.values()].some(
      (g) => g.pendingChanges?.add.includes(user.userId) || g.pendingChanges?.remove.includes(user.userId),
    );
    return changing ? 'modifying' : 'active';
  }

  findUser(userId: string | undefined): User {
    const user = userId === undefined ? undefined : this.users.get(userId.toLowerCase());
    if (!user) throw serviceFault(UserNotFoundFault, `User ${String(userId)} not found.`);
    return user;
  }

  findUserGroup(userGroupId: string | undefined): UserGroup {
    const group = userGroupId === undefined ? undefined : this.userGroups.get(userGroupId.toLowerCase());
    if (!group) throw serviceFault(UserGroupNotFoundFault, `User group ${String(userGroupId)} not found.`);
    return group;
  }

  /** Changing a user group, or attaching it, needs it `active` (else InvalidUserGroupStateFault). */
  activeUserGroup(userGroupId: string | undefined): UserGroup {
    const group = this.findUserGroup(userGroupId);
    if (group.status !== 'active') {
      throw serviceFault(
        InvalidUserGroupStateFault,
        `User group ${group.userGroupId} is ${group.status}, not active.`,
      );
    }
    return group;
  }

  findReplicationGroup(replicationGroupId: string | undefined): ReplicationGroup {
    const group =
      replicationGroupId === undefined
        ? undefined
        : this.replicationGroups.get(replicationGroupId.toLowerCase());
    if (!group)
      throw serviceFault(
        ReplicationGroupNotFoundFault,
        `Replication group ${String(replicationGroupId)} not found.`,
      );
    return group;
  }

  groupsOf(userId: string): string[] {
    return [...this.userGroups.values()].filter((g) => g.userIds.has(userId)).map((g) => g.userGroupId);
  }

  replicationGroupsOf(userGroupId: string): string[] {
    return [...this.replicationGroups.values()]
      .filter((r) => r.userGroupIds.includes(userGroupId) || r.pendingUserGroups?.add.includes(userGroupId))
      .map((r) => r.replicationGroupId);
  }

  /** `UserGroup.ServerlessCaches`: the serverless caches the group is associated with. */
  serverlessCachesOf(userGroupId: string): string[] {
    return [...this.serverlessCaches.values()]
      .filter((cache) => cache.userGroupId === userGroupId)
      .map((cache) => cache.name);
  }

  arn(kind: string, id: string): string {
    return `arn:aws:elasticache:${this.region}:${this.accountId}:${kind}:${id}`;
  }

  userView(user: User): UserView {
    return {
      UserId: user.userId,
      UserName: user.userName,
      Status: this.userStatus(user),
      Engine: user.engine,
      MinimumEngineVersion: user.engine === 'valkey' ? '7.2' : '6.0',
      AccessString: user.accessString,
      UserGroupIds: this.groupsOf(user.userId),
      Authentication: authenticationView(user.authentication),
      ARN: this.arn('user', user.userId),
    };
  }

  userGroupView(group: UserGroup): UserGroupView {
    return {
      UserGroupId: group.userGroupId,
      Status: group.status,
      Engine: group.engine,
      UserIds: [...group.userIds],
      MinimumEngineVersion: group.engine === 'valkey' ? '7.2' : '6.0',
      ...(group.pendingChanges
        ? {
            PendingChanges: {
              ...(group.pendingChanges.add.length ? { UserIdsToAdd: [...group.pendingChanges.add] } : {}),
              ...(group.pendingChanges.remove.length
                ? { UserIdsToRemove: [...group.pendingChanges.remove] }
                : {}),
            },
          }
        : {}),
      ReplicationGroups: this.replicationGroupsOf(group.userGroupId),
      ServerlessCaches: this.serverlessCachesOf(group.userGroupId),
      ARN: this.arn('usergroup', group.userGroupId),
    };
  }

  replicationGroupView(group: ReplicationGroup): ReplicationGroupView {
    return {
      ReplicationGroupId: group.replicationGroupId,
      Status: group.status,
      MemberClusters: [memberCluster(group.replicationGroupId)],
      Engine: group.engine,
      TransitEncryptionEnabled: group.transitEncryption,
      AuthTokenEnabled: group.authTokens.length > 0,
      ...(group.authTokenLastModified ? { AuthTokenLastModifiedDate: group.authTokenLastModified } : {}),
      UserGroupIds: [...group.userGroupIds],
      PendingModifiedValues: {
        ...(group.pendingUserGroups
          ? {
              UserGroups: {
                UserGroupIdsToAdd: [...group.pendingUserGroups.add],
                UserGroupIdsToRemove: [...group.pendingUserGroups.remove],
              },
            }
          : {}),
        ...(group.pendingAuthToken ? { AuthTokenStatus: group.pendingAuthToken } : {}),
      },
      ARN: this.arn('replicationgroup', group.replicationGroupId),
    };
  }
}

export function memberCluster(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}

/**
 * IDs as AWS stores them — lower case (CreateUser / CreateUserGroup / CreateReplicationGroup
 * reference) — without repeats. Assumption: every call takes an ID in any case and means the
 * lower-case one (AWS documents the storing, not the lookups).
 */
export function lowerCaseIds(ids: readonly string[] | undefined): string[] {
  return [...new Set((ids ?? []).map((id) => id.toLowerCase()))];
}

/** ElastiCache's password rules are cachegate's password policy; the reason never quotes the value. */
export function passwordProblem(password: string): string | undefined {
  const check = validatePassword(password);
  return check.ok ? undefined : check.reason;
}

/** `Marker` is the index of the next record; `MaxRecords` 20–100 as on AWS. */
export function paginate<T>(
  items: T[],
  input: { MaxRecords?: number; Marker?: string },
  /** The fault the operation declares for a bad parameter (DescribeUsers has no InvalidParameterValue). */
  Fault: Parameters<typeof serviceFault>[0],
): { page: T[]; marker?: string } {
  const max = input.MaxRecords ?? MAX_RECORDS;
  if (max < 20 || max > MAX_RECORDS) throw serviceFault(Fault, 'MaxRecords must be between 20 and 100.');
  const start = input.Marker === undefined ? 0 : Number(input.Marker);
  if (!Number.isInteger(start) || start < 0) throw serviceFault(Fault, 'Marker is not valid.');
  const page = items.slice(start, start + max);
  return { page, ...(start + max < items.length ? { marker: String(start + max) } : {}) };
}
