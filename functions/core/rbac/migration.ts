import * as z from 'zod/mini';
import { RBAC_MINIMUM_ENGINE_VERSION, supportsRbac } from '../access-string/index.js';
import { ValidationError } from '../errors.js';
import { cacheServiceSchema, type CacheService } from './cache-service.js';
import { rbacIdentifier } from './identifier.js';
import {
  derivedId,
  engineOf,
  isLockedAccessString,
  planDefaultUser,
  planTokenDefaultUser,
  type DefaultUserPlan,
} from './default-user.js';
import {
  DEFAULT_USER_NAME,
  ELASTICACHE_QUOTAS,
  type ReplicationGroupSnapshot,
  type UserDetailSnapshot,
  type UserGroupSnapshot,
} from './snapshots.js';

/**
 * `service: memorydb` moves a MemoryDB cluster off the built-in `open-access` ACL: the port's
 * mapping applies (`replicationGroupId` is the cluster name, `userGroupId` the new ACL's name,
 * `userIds` user names), and there is no default user to create (`defaultUserId` is refused).
 */
/**
 * Where the current AUTH token of a replication group lives: a Secrets Manager secret under
 * `cachegate/elasticache/auth-tokens/` (the prefix cachegate's functions may read, and the AUTH
 * token rotation writes), named by ARN; its SecretString is the token itself.
 */
export const AUTH_TOKEN_SECRET_PREFIX = 'cachegate/elasticache/auth-tokens/';
export const authTokenSecretArnSchema = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:cachegate\/elasticache\/auth-tokens\/[A-Za-z0-9/_+=.@-]{1,400}$/,
      `must be the ARN of a Secrets Manager secret named ${AUTH_TOKEN_SECRET_PREFIX}...`,
    ),
  );

export const migrateToRbacRequestSchema = z.pipe(
  z
    .object({
      service: cacheServiceSchema,
      /** The replication group (MemoryDB: cluster) to move to RBAC; or `serverlessCacheName`. */
      replicationGroupId: z.optional(rbacIdentifier),
      /**
       * An ElastiCache serverless cache without a user group: RBAC is the only access control a
       * serverless cache has, and this attaches its first user group (ModifyServerlessCache
       * --user-group-id).
       */
      serverlessCacheName: z.optional(rbacIdentifier),
      /** `replicationGroupId` names a serverless cache: the parsed form of `serverlessCacheName`. */
      serverless: z.optional(z.boolean()),
      /** The user group to create and attach; `<replicationGroupId>-users` when left out. */
      userGroupId: z.optional(rbacIdentifier),
      /** The group's locked default user; `<userGroupId>-default` when left out. */
      defaultUserId: z.optional(rbacIdentifier),
      /**
       * The secret holding the replication group's current AUTH token: required when the group is
       * on AUTH, so that clients sending `AUTH <token>` keep working as the new group's `default`
       * user (the token never enters the workflow: only this ARN and a version ID do).
       */
      authTokenSecretArn: z.optional(authTokenSecretArnSchema),
      /** Existing users to put in the group besides the locked default user. */
      userIds: z._default(
        z.array(rbacIdentifier).check(
          z.maxLength(ELASTICACHE_QUOTAS.usersPerUserGroup - 1),
          z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a user'),
        ),
        [],
      ),
      requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
      requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    })
    .check(
      z.superRefine((request, context) => {
        if ((request.replicationGroupId === undefined) === (request.serverlessCacheName === undefined)) {
          context.addIssue({
            code: 'custom',
            path: ['replicationGroupId'],
            message: 'give either replicationGroupId or serverlessCacheName',
          });
        }
      }),
    ),
  // Parsed again by the workflow, the result must mean the same: `serverless` carries the kind.
  z.transform(({ serverlessCacheName, replicationGroupId, serverless, ...rest }) => ({
    ...rest,
    /** The target's ID: a replication group, MemoryDB cluster or serverless cache. */
    replicationGroupId: (serverlessCacheName ?? replicationGroupId) as string,
    serverless: serverlessCacheName !== undefined || serverless === true,
  })),
);

export type MigrateToRbacRequest = z.output<typeof migrateToRbacRequestSchema>;

export interface MigrationPlan {
  service: CacheService;
  /** The target's ID; a serverless cache's name when `serverless`. */
  replicationGroupId: string;
  serverless: boolean;
  userGroupId: string;
  /** For the audit event. */
  userGroupIds: string[];
  /** The locked default user (ElastiCache); MemoryDB ACLs have none. */
  userId?: string;
  engine: 'redis' | 'valkey';
  defaultUser?: DefaultUserPlan;
  /**
   * The AUTH token's secret version the default user's password is read from (a group on AUTH);
   * without it the default user is locked.
   */
  authToken?: { arn: string; versionId: string; format: 'auth-token' };
  /** Every member of the new group: the default user first (ElastiCache), then the given users. */
  memberIds: string[];
  /** False when the group exists already with exactly these members (an earlier run made it). */
  createUserGroup: boolean;
  requestedBy: string;
  requestId?: string;
}

export interface MigrationState {
  replicationGroup: ReplicationGroupSnapshot | undefined;
  userGroup: (UserGroupSnapshot & { engine: string }) | undefined;
  users: UserDetailSnapshot[];
  userGroupCount: number;
  /** The engine version of the replication group's nodes; undefined when it could not be read. */
  engineVersion?: string;
  quotas?: { usersPerAccount: number; userGroupsPerAccount: number };
  /**
   * The named token secret as read by the validation step: its `AWSCURRENT` version and whether
   * that value is a valid AUTH token (`problem` names the rule broken, never the value);
   * `undefined` when it could not be read.
   */
  authTokenSecret?: { arn: string; versionId: string; problem?: string };
}

/**
 * Checks an AUTH → RBAC migration before anything changes: the replication group exists, uses
 * in-transit encryption (ElastiCache RBAC requires TLS) and has no other user group; the users
 * exist and fit in one group; the group and its default user are free or are exactly what an
 * earlier run of this migration created. Each error names the field.
 */
export function planMigration(request: MigrateToRbacRequest, state: MigrationState): MigrationPlan {
  const quotas = { ...ELASTICACHE_QUOTAS, ...state.quotas };
  const memoryDb = request.service === 'memorydb';
  const words = memoryDb ? MEMORYDB_WORDS : request.serverless ? SERVERLESS_WORDS : ELASTICACHE_WORDS;
  const targetField = request.serverless ? 'serverlessCacheName' : 'replicationGroupId';
  if (memoryDb && request.serverless) {
    throw new ValidationError('MemoryDB has no serverless caches: name a cluster', targetField);
  }
  const rg = state.replicationGroup;
  const rgId = request.replicationGroupId;
  if (!rg) throw new ValidationError(`${words.target} ${rgId} does not exist`, targetField);
  if (!rg.transitEncryptionEnabled) {
    throw new ValidationError(
      `${words.target} ${rgId} has in-transit encryption (TLS) off; ${words.tls}`,
      targetField,
    );
  }
  if (memoryDb && request.authTokenSecretArn !== undefined) {
    throw new ValidationError(
      'MemoryDB clusters have no AUTH token: leave authTokenSecretArn out',
      'authTokenSecretArn',
    );
  }
  const engine = engineOf(rg.engine);
  // MemoryDB offers no engine version without ACLs; ElastiCache's older Redis OSS has no RBAC.
  if (!memoryDb) checkRbacEngineVersion(words.target, rgId, engine, state.engineVersion, targetField);
  if (memoryDb && request.defaultUserId !== undefined) {
    throw new ValidationError('MemoryDB ACLs have no default user: leave defaultUserId out', 'defaultUserId');
  }
  if (memoryDb && request.userIds.length === 0) {
    throw new ValidationError(
      `give at least one user: an ACL without users would lock every client out of ${words.target} ${rgId}`,
      'userIds',
    );
  }
  const userGroupId = request.userGroupId ?? derivedId(rgId, memoryDb ? 'acl' : 'users', 'userGroupId');
  const attached = [...rg.userGroupIds, ...rg.pendingUserGroupIdsToAdd].filter(
    (id) => !rg.pendingUserGroupIdsToRemove.includes(id),
  );
  const other = attached.find((id) => id !== userGroupId);
  if (other) {
    throw new ValidationError(
      `${words.target} ${rgId} already uses ${words.group} ${other} (${words.onePer})`,
      targetField,
    );
  }
  // A rerun after the attachment: the token is gone already and the group holds the default
  // user the first run made (with the token, or locked by finish since).
  const rerun = attached.includes(userGroupId);
  const authToken = memoryDb ? undefined : checkAuthTokenSecret(request, rg, state, rerun);
  const byId = new Map(state.users.map((u) => [u.userId, u]));
  request.userIds.forEach((id, index) => {
    const field = `userIds.${index}`;
    const user = byId.get(id);
    if (!user) throw new ValidationError(`user ${id} does not exist`, field);
    if (user.status === 'deleting') throw new ValidationError(`user ${id} is being deleted`, field);
    if (
      !memoryDb &&
      engine === 'valkey' &&
      user.authenticationType !== 'password' &&
      user.authenticationType !== 'iam'
    ) {
      throw new ValidationError(
        `user ${id} requires no password; a valkey user group can hold only users with a password or IAM authentication`,
        field,
      );
    }
    if (user.userName === DEFAULT_USER_NAME) {
      throw new ValidationError(
        memoryDb
          ? `user ${id} is MemoryDB's open-access user; name the users the ACL should admit`
          : `user ${id} is named "default"; the group gets its own locked default user`,
        field,
      );
    }
  });
  const names = request.userIds.map((id) => byId.get(id)?.userName);
  const duplicate = names.findIndex((name, index) => names.indexOf(name) !== index);
  if (duplicate >= 0) {
    throw new ValidationError(
      `user name ${String(names[duplicate])} appears twice in one group`,
      `userIds.${duplicate}`,
    );
  }
  const defaultUser = memoryDb
    ? undefined
    : planGroupDefaultUser(request, userGroupId, engine, state, quotas, authToken !== undefined, rerun);
  const memberIds = defaultUser ? [defaultUser.userId, ...request.userIds] : [...request.userIds];
  const group = state.userGroup;
  if (group) {
    const members = new Set([...group.userIds, ...group.pendingUserIdsToAdd]);
    for (const id of group.pendingUserIdsToRemove) members.delete(id);
    const same =
      group.status !== 'deleting' &&
      engineOf(group.engine) === engine &&
      members.size === memberIds.length &&
      memberIds.every((id) => members.has(id));
    if (!same) {
      throw new ValidationError(
        `${words.group} ${userGroupId} already exists with other members; choose another userGroupId`,
        'userGroupId',
      );
    }
  } else if (state.userGroupCount >= quotas.userGroupsPerAccount) {
    throw new ValidationError(
      `the account already has ${state.userGroupCount} ${words.group}s, the ${words.service} quota is ${quotas.userGroupsPerAccount}`,
      'userGroupId',
    );
  }
  return {
    service: request.service,
    replicationGroupId: rgId,
    serverless: request.serverless,
    userGroupId,
    userGroupIds: [userGroupId],
    ...(defaultUser ? { userId: defaultUser.userId, defaultUser } : {}),
    ...(authToken ? { authToken } : {}),
    engine,
    memberIds,
    createUserGroup: !group,
    requestedBy: request.requestedBy,
    ...(request.requestId ? { requestId: request.requestId } : {}),
  };
}

/** Refuses, before any change, a replication group whose engine version has no RBAC (or is unknown). */
function checkRbacEngineVersion(
  target: string,
  rgId: string,
  engine: 'redis' | 'valkey',
  version: string | undefined,
  field: string,
): void {
  const name = engine === 'valkey' ? 'Valkey' : 'Redis OSS';
  if (version === undefined) {
    throw new ValidationError(
      `the engine version of ${target} ${rgId} could not be read; RBAC needs ${name} ${RBAC_MINIMUM_ENGINE_VERSION[engine]} or later`,
      field,
    );
  }
  if (!supportsRbac({ engine, engineVersion: version })) {
    throw new ValidationError(
      `${target} ${rgId} runs ${name} ${version}; RBAC needs ${name} ${RBAC_MINIMUM_ENGINE_VERSION[engine]} or later: upgrade the engine first`,
      field,
    );
  }
}

/** How messages name things on each service (ElastiCache wording unchanged from before MemoryDB). */
const ELASTICACHE_WORDS = {
  service: 'ElastiCache',
  target: 'replication group',
  group: 'user group',
  onePer: 'one user group per replication group',
  tls: 'ElastiCache RBAC requires TLS: enable it first',
};
const SERVERLESS_WORDS = {
  service: 'ElastiCache',
  target: 'serverless cache',
  group: 'user group',
  onePer: 'a serverless cache has one user group; add users to it with onboard-user',
  tls: 'serverless caches accept TLS only',
};
const MEMORYDB_WORDS = {
  service: 'MemoryDB',
  target: 'MemoryDB cluster',
  group: 'ACL',
  onePer: 'one ACL per cluster; add users to it with onboard-user',
  tls: 'only the open-access ACL works without TLS',
};

/**
 * ElastiCache on AUTH: the token's secret must be named, readable and hold a valid token; a
 * group without AUTH must not name one (nothing would use it).
 */
function checkAuthTokenSecret(
  request: MigrateToRbacRequest,
  rg: ReplicationGroupSnapshot,
  state: MigrationState,
  rerun: boolean,
): MigrationPlan['authToken'] {
  const field = 'authTokenSecretArn';
  const rgId = rg.replicationGroupId || request.replicationGroupId;
  if (!rg.authTokenEnabled) {
    if (request.authTokenSecretArn !== undefined && !rerun) {
      const target = request.serverless ? 'serverless cache' : 'replication group';
      throw new ValidationError(`${target} ${rgId} has no AUTH token; leave ${field} out`, field);
    }
    return undefined;
  }
  if (request.authTokenSecretArn === undefined) {
    throw new ValidationError(
      `replication group ${rgId} uses an AUTH token: name the secret that holds it, so clients sending AUTH <token> keep working as the new group's default user`,
      field,
    );
  }
  const secret = state.authTokenSecret;
  if (!secret) {
    throw new ValidationError(
      `secret ${request.authTokenSecretArn} cannot be read (missing, deleted or without an AWSCURRENT value)`,
      field,
    );
  }
  if (secret.problem !== undefined) {
    throw new ValidationError(`the AUTH token in secret ${secret.arn} ${secret.problem}`, field);
  }
  return { arn: secret.arn, versionId: secret.versionId, format: 'auth-token' };
}

/**
 * ElastiCache: the new group's default user, created or reused, within the user quota: locked,
 * or (`onAuth`) carrying the AUTH token and the token clients' access.
 */
function planGroupDefaultUser(
  request: MigrateToRbacRequest,
  userGroupId: string,
  engine: 'redis' | 'valkey',
  state: MigrationState,
  quotas: { usersPerAccount: number },
  onAuth: boolean,
  rerun: boolean,
): DefaultUserPlan {
  const defaultUserId = request.defaultUserId ?? derivedId(userGroupId, 'default', 'defaultUserId');
  const existing = state.users.find((u) => u.userId === defaultUserId);
  const keepsToken =
    onAuth || (rerun && existing !== undefined && !isLockedAccessString(existing.accessString));
  const defaultUser = (keepsToken ? planTokenDefaultUser : planDefaultUser)(
    defaultUserId,
    'defaultUserId',
    engine,
    state.users,
  );
  if (defaultUser.create && state.users.length >= quotas.usersPerAccount) {
    throw new ValidationError(
      `the account already has ${state.users.length} users, the ElastiCache quota is ${quotas.usersPerAccount}`,
      'defaultUserId',
    );
  }
  return defaultUser;
}
