import {
  DEFAULT_MODIFYING_LATENCY,
  checkLatencyDistribution,
  drawLatency,
  seededRandom,
} from '../modifying-latency.js';
import {
  CacheClusterNotFoundFault,
  DefaultUserAssociatedToUserGroupFault,
  DefaultUserRequired,
  DuplicateUserNameFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  InvalidUserGroupStateFault,
  InvalidUserStateFault,
  ReplicationGroupNotFoundFault,
  UserAlreadyExistsFault,
  UserGroupAlreadyExistsFault,
  UserGroupNotFoundFault,
  UserGroupQuotaExceededFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
  type ReplicationGroup as ReplicationGroupView,
  type User as UserView,
  type UserGroup as UserGroupView,
} from '@aws-sdk/client-elasticache';
import { normalizeAccessString } from '../../../functions/core/access-string/index.js';
import { generateAuthToken, validateAuthToken } from '../../../functions/core/auth-token-policy.js';
import { validatePassword } from '../../../functions/core/password-policy.js';
import type { SandboxClock } from '../clock.js';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';
import {
  applyDueChanges,
  authenticationView,
  checkQuota,
  checkUserChangeable,
  membersAfterChange,
  oneOrAll,
  reportUserChange,
  type Pending,
  type RbacFaults,
} from './cache-rbac-model-helpers.js';
import {
  checkEngine,
  checkIdentifier,
  checkUserName,
  resolveAuthentication,
  type Authentication,
  type Engine,
} from './elasticache-parameters.js';

/** Simulated durations of the asynchronous changes (milliseconds of sandbox time). */
export interface ElastiCacheDelays {
  userCreate: number;
  userModify: number;
  userDelete: number;
  userGroupCreate: number;
  userGroupModify: number;
  userGroupDelete: number;
  replicationGroupModify: number;
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
};

/** AWS's documented quotas: 1000 users per account, 100 users per group, 100 groups. */
const DEFAULT_QUOTAS: ElastiCacheQuotas = {
  usersPerAccount: 1000,
  usersPerUserGroup: 100,
  userGroupsPerAccount: 100,
};

const BUILT_IN_DEFAULT_USER = 'default';
const DEFAULT_USER_NAME = 'default';
const MAX_RECORDS = 100;
const FAULTS: RbacFaults = {
  InvalidParameterValueException,
  InvalidParameterCombinationException,
  InvalidUserStateFault,
};

interface User {
  userId: string;
  userName: string;
  engine: Engine;
  accessString: string;
  authentication: Authentication;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pending?: Pending;
}

interface UserGroup {
  userGroupId: string;
  engine: Engine;
  userIds: Set<string>;
  status: 'creating' | 'active' | 'modifying' | 'deleting';
  pendingChanges?: { add: string[]; remove: string[] };
  pending?: Pending;
}

interface ReplicationGroup {
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

type UserInput = {
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
 */
export class ElastiCacheModel implements ServiceModel {
  readonly serviceId = 'ElastiCache';
  readonly delays: ElastiCacheDelays;
  readonly quotas: ElastiCacheQuotas;
  private readonly users = new Map<string, User>();
  private readonly userGroups = new Map<string, UserGroup>();
  private readonly replicationGroups = new Map<string, ReplicationGroup>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly notifications: Promise<void>[] = [];
  onUserChanged: UserChangedHook | undefined;
  onReplicationGroupChanged: ReplicationGroupChangedHook | undefined;
  private modifying: { latency: typeof DEFAULT_MODIFYING_LATENCY; random: () => number } | undefined;

  constructor(
    private readonly clock: SandboxClock,
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

  private modifyingMs(kind: 'user' | 'userGroup'): number {
    if (!this.modifying) return kind === 'user' ? this.delays.userModify : this.delays.userGroupModify;
    return drawLatency(this.modifying.latency[kind], this.modifying.random);
  }

  readonly commands = {
    CreateUser: (input: UserInput & { Tags?: unknown[] }) =>
      this.settled(() => {
        const userId = checkIdentifier('UserId', input.UserId);
        const userName = checkUserName(input.UserName);
        const engine = checkEngine(input.Engine);
        const accessString = this.checkAccessString('AccessString', input.AccessString, engine);
        if (input.AppendAccessString !== undefined) {
          throw serviceFault(InvalidParameterValueException, 'AppendAccessString is a ModifyUser parameter.');
        }
        const authentication = resolveAuthentication(input, passwordProblem);
        if (!authentication) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'One of Passwords, NoPasswordRequired or AuthenticationMode is required.',
          );
        }
        if (authentication.type === 'iam' && userName !== userId) {
          // IAM authentication guide: an IAM-enabled user's user ID and user name must be identical.
          throw serviceFault(
            InvalidParameterValueException,
            'For IAM authentication, UserId and UserName must be identical.',
          );
        }
        if (this.users.has(userId))
          throw serviceFault(UserAlreadyExistsFault, `User ${userId} already exists.`);
        if (userName !== DEFAULT_USER_NAME && [...this.users.values()].some((u) => u.userName === userName)) {
          throw serviceFault(DuplicateUserNameFault, `A user with the user name ${userName} already exists.`);
        }
        checkQuota(this.users.size, this.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
        const user: User = { userId, userName, engine, accessString, authentication, status: 'creating' };
        this.users.set(userId, user);
        user.pending = {
          readyAt: this.clock.nowMs() + this.delays.userCreate,
          apply: () => {
            user.status = 'active';
            this.notify(user);
          },
        };
        return this.userView(user);
      }),

    DescribeUsers: (input: {
      UserId?: string;
      Engine?: string;
      Filters?: { Name?: string; Values?: string[] }[];
      MaxRecords?: number;
      Marker?: string;
    }) =>
      this.settled(() => {
        let users = [...this.users.values()];
        if (input.UserId !== undefined) users = [this.findUser(input.UserId)];
        if (input.Engine !== undefined) users = users.filter((u) => u.engine === input.Engine?.toLowerCase());
        for (const filter of input.Filters ?? []) {
          if (filter.Name !== 'user-id') {
            throw serviceFault(
              InvalidParameterCombinationException,
              `Filter name ${String(filter.Name)} is not supported; use user-id.`,
            );
          }
          users = users.filter((u) => lowerCaseIds(filter.Values).includes(u.userId));
        }
        const { page, marker } = paginate(users, input, InvalidParameterCombinationException);
        return { Users: page.map((u) => this.userView(u)), Marker: marker };
      }),

    ModifyUser: (input: UserInput) =>
      this.settled(() => {
        const user = this.findUser(input.UserId);
        checkUserChangeable(
          { id: user.userId, status: this.userStatus(user) },
          BUILT_IN_DEFAULT_USER,
          'modified',
          FAULTS,
        );
        if (input.AccessString !== undefined && input.AppendAccessString !== undefined) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'AccessString and AppendAccessString cannot both be given.',
          );
        }
        if (
          input.Engine !== undefined &&
          checkEngine(input.Engine) !== user.engine &&
          user.engine === 'valkey'
        ) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'A valkey user cannot be changed back to redis.',
          );
        }
        const engine = input.Engine !== undefined ? checkEngine(input.Engine) : undefined;
        const accessString =
          input.AccessString !== undefined
            ? this.checkAccessString('AccessString', input.AccessString, engine ?? user.engine)
            : input.AppendAccessString !== undefined
              ? this.checkAccessString(
                  'AppendAccessString',
                  `${user.accessString} ${input.AppendAccessString}`,
                  engine ?? user.engine,
                )
              : undefined;
        const authentication = resolveAuthentication(input, passwordProblem);
        if (accessString === undefined && authentication === undefined && engine === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        user.status = 'modifying';
        user.pending = {
          readyAt: this.clock.nowMs() + this.modifyingMs('user'),
          apply: () => {
            if (accessString !== undefined) user.accessString = accessString;
            if (authentication !== undefined) user.authentication = authentication;
            if (engine !== undefined) user.engine = engine;
            user.status = 'active';
            this.notify(user);
          },
        };
        return this.userView(user);
      }),

    DeleteUser: (input: { UserId?: string }) =>
      this.settled(() => {
        const user = this.findUser(input.UserId);
        checkUserChangeable(
          { id: user.userId, status: this.userStatus(user) },
          BUILT_IN_DEFAULT_USER,
          'deleted',
          FAULTS,
        );
        if (user.userName === DEFAULT_USER_NAME && this.groupsOf(user.userId).length > 0) {
          throw serviceFault(
            DefaultUserAssociatedToUserGroupFault,
            `User ${user.userId} is the default user of user group(s) ${this.groupsOf(user.userId).join(', ')}.`,
          );
        }
        user.status = 'deleting';
        user.pending = {
          readyAt: this.clock.nowMs() + this.delays.userDelete,
          apply: () => {
            // Deleting a user removes it from every user group (and so ends its connections).
            for (const group of this.userGroups.values()) group.userIds.delete(user.userId);
            this.users.delete(user.userId);
            this.notify(user, 'deleted');
          },
        };
        return this.userView(user);
      }),

    CreateUserGroup: (input: {
      UserGroupId?: string;
      Engine?: string;
      UserIds?: string[];
      Tags?: unknown[];
    }) =>
      this.settled(() => {
        const userGroupId = checkIdentifier('UserGroupId', input.UserGroupId);
        const engine = checkEngine(input.Engine);
        if (this.userGroups.has(userGroupId)) {
          throw serviceFault(UserGroupAlreadyExistsFault, `User group ${userGroupId} already exists.`);
        }
        checkQuota(
          this.userGroups.size,
          this.quotas.userGroupsPerAccount,
          'user groups per account',
          UserGroupQuotaExceededFault,
        );
        const userIds = lowerCaseIds(input.UserIds);
        this.checkMembers(userIds, userIds, engine);
        const group: UserGroup = { userGroupId, engine, userIds: new Set(userIds), status: 'creating' };
        this.userGroups.set(userGroupId, group);
        group.pending = {
          readyAt: this.clock.nowMs() + this.delays.userGroupCreate,
          apply: () => {
            group.status = 'active';
          },
        };
        return this.userGroupView(group);
      }),

    DescribeUserGroups: (input: { UserGroupId?: string; MaxRecords?: number; Marker?: string }) =>
      this.settled(() => {
        const groups = oneOrAll(input.UserGroupId, (id) => this.findUserGroup(id), this.userGroups);
        const { page, marker } = paginate(groups, input, InvalidParameterCombinationException);
        return { UserGroups: page.map((g) => this.userGroupView(g)), Marker: marker };
      }),

    ModifyUserGroup: (input: {
      UserGroupId?: string;
      UserIdsToAdd?: string[];
      UserIdsToRemove?: string[];
      Engine?: string;
    }) =>
      this.settled(() => {
        const group = this.activeUserGroup(input.UserGroupId);
        const add = lowerCaseIds(input.UserIdsToAdd);
        const remove = lowerCaseIds(input.UserIdsToRemove);
        if (add.length === 0 && remove.length === 0) {
          throw serviceFault(InvalidParameterCombinationException, 'Give UserIdsToAdd or UserIdsToRemove.');
        }
        const after = membersAfterChange(
          group.userIds,
          { add, remove },
          `user group ${group.userGroupId}`,
          FAULTS,
        );
        this.checkMembers(after, add, group.engine);
        group.status = 'modifying';
        group.pendingChanges = { add, remove };
        group.pending = {
          readyAt: this.clock.nowMs() + this.modifyingMs('userGroup'),
          apply: () => {
            for (const id of remove) group.userIds.delete(id);
            for (const id of add) if (this.users.has(id)) group.userIds.add(id);
            delete group.pendingChanges;
            group.status = 'active';
            this.notifyAccessOfUserGroup(group.userGroupId);
          },
        };
        return this.userGroupView(group);
      }),

    DeleteUserGroup: (input: { UserGroupId?: string }) =>
      this.settled(() => {
        const group = this.activeUserGroup(input.UserGroupId);
        const attached = this.replicationGroupsOf(group.userGroupId);
        if (attached.length > 0) {
          throw serviceFault(
            InvalidUserGroupStateFault,
            `User group ${group.userGroupId} is associated with replication group(s) ${attached.join(', ')}.`,
          );
        }
        group.status = 'deleting';
        group.pending = {
          readyAt: this.clock.nowMs() + this.delays.userGroupDelete,
          apply: () => {
            this.userGroups.delete(group.userGroupId);
          },
        };
        return this.userGroupView(group);
      }),

    DescribeReplicationGroups: (input: {
      ReplicationGroupId?: string;
      MaxRecords?: number;
      Marker?: string;
    }) =>
      this.settled(() => {
        const groups = oneOrAll(
          input.ReplicationGroupId,
          (id) => this.findReplicationGroup(id),
          this.replicationGroups,
        );
        const { page, marker } = paginate(groups, input, InvalidParameterValueException);
        return { ReplicationGroups: page.map((g) => this.replicationGroupView(g)), Marker: marker };
      }),

    /** Only the replication groups' member clusters are modelled: one node each, `<id>-001`. */
    DescribeCacheClusters: (input: { CacheClusterId?: string; MaxRecords?: number; Marker?: string }) =>
      this.settled(() => {
        const groups =
          input.CacheClusterId === undefined
            ? [...this.replicationGroups.values()]
            : [...this.replicationGroups.values()].filter(
                (g) => memberCluster(g.replicationGroupId) === input.CacheClusterId?.toLowerCase(),
              );
        if (input.CacheClusterId !== undefined && groups.length === 0) {
          throw serviceFault(CacheClusterNotFoundFault, `CacheCluster ${input.CacheClusterId} not found.`);
        }
        const { page, marker } = paginate(groups, input, InvalidParameterValueException);
        return {
          CacheClusters: page.map((g) => ({
            CacheClusterId: memberCluster(g.replicationGroupId),
            ReplicationGroupId: g.replicationGroupId,
            Engine: g.engine,
            EngineVersion: g.engineVersion,
            CacheClusterStatus: g.status,
            TransitEncryptionEnabled: g.transitEncryption,
            AuthTokenEnabled: g.authTokens.length > 0,
          })),
          Marker: marker,
        };
      }),

    ModifyReplicationGroup: (input: {
      ReplicationGroupId?: string;
      UserGroupIdsToAdd?: string[];
      UserGroupIdsToRemove?: string[];
      RemoveUserGroups?: boolean;
      AuthToken?: string;
      AuthTokenUpdateStrategy?: string;
      ApplyImmediately?: boolean;
      [other: string]: unknown;
    }) =>
      this.settled(() => {
        const group = this.findReplicationGroup(input.ReplicationGroupId);
        const modelled = [
          'ReplicationGroupId',
          'UserGroupIdsToAdd',
          'UserGroupIdsToRemove',
          'RemoveUserGroups',
          'AuthToken',
          'AuthTokenUpdateStrategy',
          'ApplyImmediately',
        ];
        const other = Object.keys(input).find((key) => !modelled.includes(key) && input[key] !== undefined);
        if (other) {
          throw serviceFault(
            InvalidParameterValueException,
            `sandbox: ModifyReplicationGroup ${other} is not modelled.`,
          );
        }
        if (group.status !== 'available') {
          throw serviceFault(
            InvalidReplicationGroupStateFault,
            `Replication group ${group.replicationGroupId} is ${group.status}, not available.`,
          );
        }
        const add = lowerCaseIds(input.UserGroupIdsToAdd);
        const remove = input.RemoveUserGroups
          ? [...group.userGroupIds]
          : lowerCaseIds(input.UserGroupIdsToRemove);
        const strategy = this.checkAuthTokenChange(group, input, add, remove);
        if (add.length === 0 && remove.length === 0 && strategy === undefined) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        if (add.length > 0 && !supportsRbac(group.engine, group.engineVersion)) {
          throw serviceFault(
            InvalidParameterCombinationException,
            `Replication group ${group.replicationGroupId} runs ${group.engine} ${group.engineVersion}; user groups need Redis OSS 6.0 or later, or Valkey 7.2 or later.`,
          );
        }
        if (add.length > 0 && !group.transitEncryption) {
          throw serviceFault(
            InvalidParameterCombinationException,
            `Replication group ${group.replicationGroupId} needs in-transit encryption (TLS) to use user groups.`,
          );
        }
        for (const id of remove) {
          if (!group.userGroupIds.includes(id)) {
            throw serviceFault(
              InvalidParameterValueException,
              `User group ${id} is not associated with replication group ${group.replicationGroupId}.`,
            );
          }
        }
        for (const id of add) {
          const userGroup = this.activeUserGroup(id);
          // A redis user group works on a valkey replication group (ElastiCache User Guide, RBAC);
          // assumption: a valkey user group on a redis replication group is refused.
          if (userGroup.engine === 'valkey' && group.engine === 'redis') {
            throw serviceFault(
              InvalidParameterCombinationException,
              `User group ${id} is for valkey; replication group ${group.replicationGroupId} runs redis.`,
            );
          }
        }
        const after = group.userGroupIds
          .filter((id) => !remove.includes(id))
          .concat(add.filter((id) => !group.userGroupIds.includes(id)));
        if (after.length > 1) {
          throw serviceFault(
            InvalidParameterCombinationException,
            `A replication group can have only one user group; ${group.replicationGroupId} would have ${after.join(', ')}.`,
          );
        }
        if ((strategy === 'ROTATE' || strategy === 'SET') && after.length > 0) {
          // Assumption (not documented): AUTH and a user group are exclusive; going back to AUTH
          // removes the user group in the same call (the documented RBAC → AUTH command).
          throw serviceFault(
            InvalidParameterCombinationException,
            `Replication group ${group.replicationGroupId} uses user group ${after.join(', ')}; remove it with UserGroupIdsToRemove to set an AUTH token.`,
          );
        }
        const token = input.AuthToken;
        group.status = 'modifying';
        if (add.length > 0 || remove.length > 0) group.pendingUserGroups = { add, remove };
        if (strategy === 'ROTATE') group.pendingAuthToken = 'ROTATING';
        if (strategy === 'SET') group.pendingAuthToken = 'SETTING';
        group.pending = {
          readyAt: this.clock.nowMs() + this.delays.replicationGroupModify,
          apply: () => {
            group.userGroupIds = after;
            if (strategy !== undefined) {
              group.authTokens = nextAuthTokens(group.authTokens, strategy, token);
              group.authTokenLastModified = new Date(this.clock.nowMs());
            }
            delete group.pendingUserGroups;
            delete group.pendingAuthToken;
            group.status = 'available';
            this.notifyAccess(group);
          },
        };
        return { ReplicationGroup: this.replicationGroupView(group) };
      }),
  };

  /**
   * The AUTH token rules of ModifyReplicationGroup (API reference, `AuthToken` and
   * `AuthTokenUpdateStrategy`): the strategy goes with a token and defaults to ROTATE when a token
   * is given; `SET` is allowed only after `ROTATE`; `DELETE` only when moving to RBAC; AUTH needs
   * in-transit encryption; the token charset is AUTH's (stricter than user passwords). A user
   * group cannot be attached while AUTH is on unless the same call deletes the token
   * (InvalidParameterCombination, as AWS answers). Returns the strategy in force, if any.
   */
  private checkAuthTokenChange(
    group: ReplicationGroup,
    input: { AuthToken?: string; AuthTokenUpdateStrategy?: string },
    add: string[],
    remove: string[],
  ): 'ROTATE' | 'SET' | 'DELETE' | undefined {
    const given = input.AuthTokenUpdateStrategy;
    if (given !== undefined && given !== 'ROTATE' && given !== 'SET' && given !== 'DELETE') {
      throw serviceFault(
        InvalidParameterValueException,
        'AuthTokenUpdateStrategy must be ROTATE, SET or DELETE.',
      );
    }
    if (input.AuthToken !== undefined) {
      const check = validateAuthToken(input.AuthToken);
      if (!check.ok)
        throw serviceFault(InvalidParameterValueException, `AuthToken is invalid: ${check.reason}`);
    }
    const strategy = given ?? (input.AuthToken !== undefined ? 'ROTATE' : undefined);
    const authOn = group.authTokens.length > 0;
    if (add.length > 0 && authOn && strategy !== 'DELETE') {
      throw serviceFault(
        InvalidParameterCombinationException,
        "User group can't be associated with auth token enabled. Pass AuthStrategy delete to proceed",
      );
    }
    if (strategy === undefined) return undefined;
    if (strategy === 'DELETE') {
      if (input.AuthToken !== undefined) {
        throw serviceFault(
          InvalidParameterCombinationException,
          'AuthToken cannot be given with AuthTokenUpdateStrategy DELETE.',
        );
      }
      if (add.length === 0) {
        throw serviceFault(
          InvalidParameterCombinationException,
          'AuthTokenUpdateStrategy DELETE is allowed only when transitioning to RBAC (with UserGroupIdsToAdd).',
        );
      }
      if (!authOn) {
        throw serviceFault(
          InvalidParameterCombinationException,
          `Replication group ${group.replicationGroupId} has no AUTH token to delete.`,
        );
      }
      return strategy;
    }
    if (input.AuthToken === undefined) {
      throw serviceFault(
        InvalidParameterCombinationException,
        `AuthTokenUpdateStrategy ${strategy} must be specified with AuthToken.`,
      );
    }
    if (!group.transitEncryption) {
      throw serviceFault(
        InvalidParameterCombinationException,
        `AUTH can only be enabled on a replication group with in-transit encryption; ${group.replicationGroupId} has none.`,
      );
    }
    if (strategy === 'SET' && !authOn && remove.length === 0) {
      throw serviceFault(
        InvalidParameterCombinationException,
        'AuthTokenUpdateStrategy SET is allowed only after ROTATE (or with UserGroupIdsToRemove when moving back from RBAC).',
      );
    }
    return strategy;
  }

  /** Test and demo set-up: an `active` user, checked like CreateUser (quota included). */
  seedUser(spec: {
    userId: string;
    userName: string;
    accessString: string;
    passwords?: string[];
    engine?: Engine;
  }): void {
    this.applyDueChanges();
    const userId = checkIdentifier('UserId', spec.userId);
    if (this.users.has(userId)) throw serviceFault(UserAlreadyExistsFault, `User ${userId} already exists.`);
    checkQuota(this.users.size, this.quotas.usersPerAccount, 'users per account', UserQuotaExceededFault);
    const passwords = spec.passwords ?? [];
    const authentication =
      resolveAuthentication(
        passwords.length > 0 ? { Passwords: passwords } : { NoPasswordRequired: true },
        passwordProblem,
      ) ?? ({ type: 'no-password' } as const);
    const user: User = {
      userId,
      userName: checkUserName(spec.userName),
      engine: spec.engine ?? 'redis',
      accessString: this.checkAccessString('AccessString', spec.accessString, spec.engine ?? 'redis'),
      authentication,
      status: 'active',
    };
    this.users.set(userId, user);
    this.notify(user);
  }

  /** Test and demo set-up: an `active` user group, checked like CreateUserGroup. */
  seedUserGroup(spec: { id: string; userIds: string[]; engine?: Engine }): void {
    this.applyDueChanges();
    const userGroupId = checkIdentifier('UserGroupId', spec.id);
    if (this.userGroups.has(userGroupId)) {
      throw serviceFault(UserGroupAlreadyExistsFault, `User group ${userGroupId} already exists.`);
    }
    const userIds = lowerCaseIds(spec.userIds);
    this.checkMembers(userIds, userIds, spec.engine ?? 'redis');
    this.userGroups.set(userGroupId, {
      userGroupId,
      engine: spec.engine ?? 'redis',
      userIds: new Set(userIds),
      status: 'active',
    });
  }

  /**
   * Test and demo set-up: a replication group that exists already (`available`). `authToken`
   * puts it on AUTH with that token (checked like ModifyReplicationGroup's); `authTokenEnabled`
   * alone gives it a generated token nobody knows.
   */
  seedReplicationGroup(spec: {
    id: string;
    transitEncryption: boolean;
    engine?: Engine;
    /** Default: a current version (redis 7.1, valkey 8.0). */
    engineVersion?: string;
    authTokenEnabled?: boolean;
    authToken?: string;
    userGroupIds?: string[];
  }): void {
    this.applyDueChanges();
    if (spec.authToken !== undefined) {
      const check = validateAuthToken(spec.authToken);
      if (!check.ok)
        throw serviceFault(InvalidParameterValueException, `AuthToken is invalid: ${check.reason}`);
    }
    const token = spec.authToken ?? (spec.authTokenEnabled ? generateAuthToken() : undefined);
    if (token !== undefined && (!spec.transitEncryption || (spec.userGroupIds ?? []).length > 0)) {
      throw serviceFault(
        InvalidParameterCombinationException,
        'AUTH needs in-transit encryption and no user group.',
      );
    }
    const engine = spec.engine ?? 'redis';
    const group: ReplicationGroup = {
      replicationGroupId: spec.id.toLowerCase(),
      engine,
      engineVersion: spec.engineVersion ?? (engine === 'valkey' ? '8.0' : '7.1'),
      transitEncryption: spec.transitEncryption,
      authTokens: token === undefined ? [] : [token],
      ...(token === undefined ? {} : { authTokenLastModified: new Date(this.clock.nowMs()) }),
      userGroupIds: lowerCaseIds(spec.userGroupIds),
      status: 'available',
    };
    this.replicationGroups.set(group.replicationGroupId, group);
    this.notifyAccess(group);
  }

  /** Applies every change whose time has come and waits for the hooks they triggered. */
  async settle(): Promise<void> {
    this.applyDueChanges();
    const notifications = this.notifications.splice(0);
    await Promise.all(notifications);
  }

  private applyDueChanges(): void {
    applyDueChanges(
      [...this.users.values(), ...this.userGroups.values(), ...this.replicationGroups.values()],
      this.clock.nowMs(),
    );
  }

  private async settled<T>(work: () => T): Promise<T> {
    await this.settle();
    return work();
  }

  private notify(user: User, deleted?: 'deleted'): void {
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

  private notifyAccessOfUserGroup(userGroupId: string): void {
    for (const rg of this.replicationGroups.values()) {
      if (rg.userGroupIds.includes(userGroupId)) this.notifyAccess(rg);
    }
  }

  private notifyAccess(group: ReplicationGroup): void {
    if (!this.onReplicationGroupChanged) return;
    const hook = this.onReplicationGroupChanged;
    const access = this.accessOf(group);
    const view = this.replicationGroupView(group);
    this.notifications.push(Promise.resolve(hook(view, access)));
  }

  private accessOf(group: ReplicationGroup): ReplicationGroupAccess {
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

  /** Checked against the newest command catalog of the user's engine (assumption: docs/access-strings.md). */
  private checkAccessString(field: string, accessString: unknown, engine: Engine): string {
    if (typeof accessString !== 'string')
      throw serviceFault(InvalidParameterValueException, `${field} is required.`);
    try {
      return normalizeAccessString(accessString, { engine: { engine } });
    } catch (error) {
      throw serviceFault(InvalidParameterValueException, `${field} is invalid: ${(error as Error).message}`);
    }
  }

  /** Members must exist, be active, include one user named `default`, names unique, within quota. */
  private checkMembers(userIds: string[], added: string[], engine: Engine): void {
    for (const id of added) {
      const user = this.users.get(id);
      if (!user) throw serviceFault(UserNotFoundFault, `User ${id} not found.`);
      // Its own change, not another group's membership change, keeps a user out.
      if (user.status !== 'active') {
        throw serviceFault(
          InvalidParameterValueException,
          `User ${id} is ${user.status}; only active users can join a user group.`,
        );
      }
    }
    if (engine === 'valkey') {
      // Valkey user groups hold only users with a password or IAM authentication (ElastiCache
      // User Guide, RBAC); the built-in no-password `default` user cannot be one of them.
      const open = userIds.find((id) => this.users.get(id)?.authentication.type === 'no-password');
      if (open !== undefined) {
        throw serviceFault(
          InvalidParameterValueException,
          `User ${open} requires no password; a valkey user group can hold only users with a password or IAM authentication.`,
        );
      }
    }
    const names = userIds.map((id) => this.users.get(id)?.userName);
    if (!names.includes(DEFAULT_USER_NAME)) {
      throw serviceFault(DefaultUserRequired, 'A user group must contain a user with the user name default.');
    }
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate !== undefined) {
      throw serviceFault(DuplicateUserNameFault, `A user group cannot contain two users named ${duplicate}.`);
    }
    if (userIds.length > this.quotas.usersPerUserGroup) {
      throw serviceFault(
        InvalidParameterValueException,
        `A user group can contain at most ${this.quotas.usersPerUserGroup} users; this change would make ${userIds.length}.`,
      );
    }
  }

  /**
   * A user being added to or removed from a user group shows `modifying` (and refuses changes
   * with InvalidUserStateFault) until the group's change lands. Assumption: observed on AWS, not
   * written in the API reference.
   */
  private userStatus(user: User): User['status'] {
    if (user.status !== 'active') return user.status;
    const changing = [...this.userGroups.values()].some(
      (g) => g.pendingChanges?.add.includes(user.userId) || g.pendingChanges?.remove.includes(user.userId),
    );
    return changing ? 'modifying' : 'active';
  }

  private findUser(userId: string | undefined): User {
    const user = userId === undefined ? undefined : this.users.get(userId.toLowerCase());
    if (!user) throw serviceFault(UserNotFoundFault, `User ${String(userId)} not found.`);
    return user;
  }

  private findUserGroup(userGroupId: string | undefined): UserGroup {
    const group = userGroupId === undefined ? undefined : this.userGroups.get(userGroupId.toLowerCase());
    if (!group) throw serviceFault(UserGroupNotFoundFault, `User group ${String(userGroupId)} not found.`);
    return group;
  }

  /** Changing a user group, or attaching it, needs it `active` (else InvalidUserGroupStateFault). */
  private activeUserGroup(userGroupId: string | undefined): UserGroup {
    const group = this.findUserGroup(userGroupId);
    if (group.status !== 'active') {
      throw serviceFault(
        InvalidUserGroupStateFault,
        `User group ${group.userGroupId} is ${group.status}, not active.`,
      );
    }
    return group;
  }

  private findReplicationGroup(replicationGroupId: string | undefined): ReplicationGroup {
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

  private groupsOf(userId: string): string[] {
    return [...this.userGroups.values()].filter((g) => g.userIds.has(userId)).map((g) => g.userGroupId);
  }

  private replicationGroupsOf(userGroupId: string): string[] {
    return [...this.replicationGroups.values()]
      .filter((r) => r.userGroupIds.includes(userGroupId) || r.pendingUserGroups?.add.includes(userGroupId))
      .map((r) => r.replicationGroupId);
  }

  private arn(kind: string, id: string): string {
    return `arn:aws:elasticache:${this.region}:${this.accountId}:${kind}:${id}`;
  }

  private userView(user: User): UserView {
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

  private userGroupView(group: UserGroup): UserGroupView {
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
      ARN: this.arn('usergroup', group.userGroupId),
    };
  }

  private replicationGroupView(group: ReplicationGroup): ReplicationGroupView {
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

/**
 * The tokens accepted after a settled AUTH change. ROTATE adds the new token to the most recent
 * one (both work; assumption: a third token drops the oldest, as AUTH holds at most two); SET
 * leaves only the given token; DELETE removes AUTH.
 */
function nextAuthTokens(
  tokens: readonly string[],
  strategy: 'ROTATE' | 'SET' | 'DELETE',
  token: string | undefined,
): string[] {
  if (strategy === 'DELETE' || token === undefined) return [];
  if (strategy === 'SET') return [token];
  const kept = tokens.filter((t) => t !== token).slice(-1);
  return [...kept, token];
}

/**
 * IDs as AWS stores them — lower case (CreateUser / CreateUserGroup / CreateReplicationGroup
 * reference) — without repeats. Assumption: every call takes an ID in any case and means the
 * lower-case one (AWS documents the storing, not the lookups).
 */
/**
 * RBAC needs Redis OSS 6.0 or later, or Valkey 7.2 or later (ElastiCache User Guide, RBAC; the
 * SDK's User.MinimumEngineVersion). Versions compare by their numeric parts.
 */
export function supportsRbac(engine: Engine, version: string): boolean {
  const minimum = engine === 'valkey' ? [7, 2] : [6, 0];
  const parts = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < minimum.length; i += 1) {
    const have = parts[i] ?? 0;
    const need = minimum[i] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

function memberCluster(replicationGroupId: string): string {
  return `${replicationGroupId}-001`;
}

function lowerCaseIds(ids: readonly string[] | undefined): string[] {
  return [...new Set((ids ?? []).map((id) => id.toLowerCase()))];
}

/** ElastiCache's password rules are cachegate's password policy; the reason never quotes the value. */
function passwordProblem(password: string): string | undefined {
  const check = validatePassword(password);
  return check.ok ? undefined : check.reason;
}

/** `Marker` is the index of the next record; `MaxRecords` 20–100 as on AWS. */
function paginate<T>(
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
