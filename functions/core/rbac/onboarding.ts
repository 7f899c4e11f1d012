import * as z from 'zod/mini';
import {
  AccessStringError,
  RBAC_MINIMUM_ENGINE_VERSION,
  normalizeAccessString,
  type EngineTarget,
} from '../access-string/index.js';
import { ValidationError } from '../errors.js';
import { rbacIdentifier } from './identifier.js';
import {
  CACHE_SERVICE_NAMES,
  MEMORYDB_OPEN_ACCESS_ACL,
  cacheServiceSchema,
  type CacheService,
} from './cache-service.js';
import {
  BUILT_IN_DEFAULT_USER_ID,
  DEFAULT_USER_NAME,
  ELASTICACHE_QUOTAS,
  type UserGroupSnapshot,
  type UserSnapshot,
} from './snapshots.js';
import {
  elastiCacheUserArn,
  iamConnectPolicyArn,
  iamConnectPolicyDocument,
  iamConnectPolicyName,
  iamPrincipalArnSchema,
  iamSupportProblem,
  parseIamPrincipal,
} from './iam-auth.js';
import { userSecretName } from './user-secret.js';

/** A user ID or user group ID as ElastiCache stores it, lower case (also what an access request may name). */
export const cacheIdentifierSchema = rbacIdentifier;

export const cacheUserNameSchema = z
  .string()
  .check(z.minLength(1), z.maxLength(120), z.regex(/^\S+$/, 'must not contain whitespace'));

/**
 * The onboard-user workflow's input. Extra fields (e.g. `type` from an access request) are
 * ignored; `requestedBy` is the audit actor. `service` picks ElastiCache (default) or MemoryDB,
 * where `userGroupIds` are ACL names and `userName` must equal `userId`.
 */
export const onboardUserRequestSchema = z.object({
  service: cacheServiceSchema,
  userId: cacheIdentifierSchema,
  userName: cacheUserNameSchema,
  engine: z._default(z.enum(['redis', 'valkey']), 'redis'),
  /** `password` (generated, kept in Secrets Manager) or `iam` (IAM auth tokens; `principalArn` connects). */
  auth: z._default(z.enum(['password', 'iam']), 'password'),
  principalArn: z.optional(iamPrincipalArnSchema),
  accessString: z.string().check(z.minLength(1), z.maxLength(2048)),
  userGroupIds: z.array(cacheIdentifierSchema).check(
    z.minLength(1),
    z.maxLength(100),
    z.refine((ids) => new Set(ids).size === ids.length, 'must not repeat a user group'),
  ),
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
  requestId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
});

export type OnboardUserRequest = z.infer<typeof onboardUserRequestSchema>;

export interface OnboardingState {
  /** Every user in the account (for names and the quota). */
  users: UserSnapshot[];
  /** The requested user groups, `undefined` where the group does not exist. */
  userGroups: (UserGroupSnapshot | undefined)[];
  quotas?: { usersPerAccount: number; usersPerUserGroup: number };
  /** The caches the requested groups are attached to: the access string must suit each engine. */
  targetCaches?: TargetCache[];
}

/** A cache a user group serves (ElastiCache replication group or serverless cache, MemoryDB cluster). */
export interface TargetCache {
  cacheId: string;
  /** An ElastiCache serverless cache (its major engine version decides the catalog too). */
  serverless?: boolean;
  engine: string;
  /** When the service reports it; otherwise the first RBAC-capable version of the engine is assumed. */
  engineVersion?: string;
  arn?: string;
  transitEncryptionEnabled?: boolean;
}

export interface OnboardingPlan {
  service: CacheService;
  userId: string;
  userName: string;
  engine: 'redis' | 'valkey';
  accessString: string;
  userGroupIds: string[];
  secretName: string;
  requestedBy: string;
  requestId?: string;
  auth: 'password' | 'iam';
  /** Passwords the created user has: 1, or 0 for an IAM user (what its convergence check expects). */
  passwordCount: 0 | 1;
  /**
   * IAM users: who may connect, the managed policy that lets exactly them in, and the caches it
   * names (the connectivity probe verifies the user on one of them).
   */
  iam?: {
    principalArn: string;
    policyName: string;
    policyArn: string;
    policyDocument: string;
    caches: { cacheId: string; serverless: boolean }[];
  };
}

/**
 * Checks an onboarding request against the account before anything is changed: a valid
 * ElastiCache access string, a free user ID and user name, existing user groups with room for
 * one more member, and room under the per-account user quota. Each error names the field.
 * MemoryDB (users in ACLs) takes the same rules (its quotas are assumed equal to ElastiCache's)
 * plus its own: the user name is the ID (lower case), and `open-access` cannot be changed.
 */
export function planOnboarding(request: OnboardUserRequest, state: OnboardingState): OnboardingPlan {
  const quotas = state.quotas ?? ELASTICACHE_QUOTAS;
  const memoryDb = request.service === 'memorydb';
  const groupNoun = memoryDb ? 'ACL' : 'user group';
  checkAccessString(request.accessString, request.engine, state.targetCaches ?? []);
  if (request.userId === BUILT_IN_DEFAULT_USER_ID) {
    throw new ValidationError('"default" is the built-in user and cannot be onboarded', 'userId');
  }
  if (request.userName === DEFAULT_USER_NAME) {
    throw new ValidationError(
      'a user named "default" replaces a group\'s default user: use harden-default-user',
      'userName',
    );
  }
  if (memoryDb) checkMemoryDbUserName(request);
  const iam = request.auth === 'iam' ? planIamAccess(request, state.targetCaches ?? []) : undefined;
  if (state.users.some((u) => u.userId === request.userId)) {
    throw new ValidationError(`user ID ${request.userId} is already taken`, 'userId');
  }
  if (state.users.some((u) => u.userName === request.userName)) {
    throw new ValidationError(`user name ${request.userName} is already taken`, 'userName');
  }
  if (state.users.length >= quotas.usersPerAccount) {
    throw new ValidationError(
      `the account already has ${state.users.length} users, the ${CACHE_SERVICE_NAMES[request.service]} quota is ${quotas.usersPerAccount}`,
      'userId',
    );
  }
  request.userGroupIds.forEach((userGroupId, index) => {
    const field = `userGroupIds.${index}`;
    const group = state.userGroups[index];
    if (memoryDb && userGroupId === MEMORYDB_OPEN_ACCESS_ACL) {
      throw new ValidationError(`${userGroupId} is MemoryDB's built-in ACL and cannot be changed`, field);
    }
    if (!group) throw new ValidationError(`${groupNoun} ${userGroupId} does not exist`, field);
    if (group.status === 'deleting')
      throw new ValidationError(`${groupNoun} ${userGroupId} is being deleted`, field);
    const members = new Set([...group.userIds, ...group.pendingUserIdsToAdd]);
    for (const id of group.pendingUserIdsToRemove) members.delete(id);
    if (members.size + 1 > quotas.usersPerUserGroup) {
      throw new ValidationError(
        `${groupNoun} ${userGroupId} has ${members.size} users; adding one would exceed the quota of ${quotas.usersPerUserGroup}`,
        field,
      );
    }
  });
  return {
    service: request.service,
    userId: request.userId,
    userName: request.userName,
    engine: request.engine,
    accessString: request.accessString,
    userGroupIds: request.userGroupIds,
    secretName: userSecretName(request.userId, request.service),
    requestedBy: request.requestedBy,
    ...(request.requestId ? { requestId: request.requestId } : {}),
    auth: request.auth,
    passwordCount: request.auth === 'iam' ? 0 : 1,
    ...(iam ? { iam } : {}),
  };
}

/**
 * An IAM-authenticated user: ElastiCache only; user ID = user name, lower case (AWS requirement);
 * every cache the groups serve must support IAM authentication, and there must be one (the grant
 * names exactly those caches); the principal must be in the caches' account, where cachegate
 * writes the policy that lets it connect.
 */
function planIamAccess(
  request: OnboardUserRequest,
  caches: TargetCache[],
): NonNullable<OnboardingPlan['iam']> {
  if (request.service !== 'elasticache') {
    throw new ValidationError('IAM authentication is supported for ElastiCache users only', 'auth');
  }
  if (request.principalArn === undefined) {
    throw new ValidationError('an IAM user needs the IAM role or user ARN that will connect', 'principalArn');
  }
  if (request.userId !== request.userId.toLowerCase()) {
    throw new ValidationError(
      `IAM users need a lower-case user ID: use ${request.userId.toLowerCase()}`,
      'userId',
    );
  }
  if (request.userName !== request.userId) {
    throw new ValidationError(`an IAM user's name must equal its user ID: use ${request.userId}`, 'userName');
  }
  if (caches.length === 0) {
    throw new ValidationError(
      'the user groups serve no cache yet: IAM access is granted per cache, attach the group first',
      'userGroupIds',
    );
  }
  const cacheArns: string[] = [];
  for (const cache of caches) {
    const problem = iamSupportProblem({
      cacheId: cache.cacheId,
      arn: cache.arn ?? '',
      engine: cache.engine,
      transitEncryptionEnabled: cache.transitEncryptionEnabled ?? false,
      ...(cache.engineVersion === undefined ? {} : { engineVersion: cache.engineVersion }),
    });
    if (problem) throw new ValidationError(`IAM authentication is not possible: ${problem}`, 'auth');
    if (!cache.arn) throw new ValidationError(`cache ${cache.cacheId} reports no ARN`, 'userGroupIds');
    cacheArns.push(cache.arn);
  }
  const principal = parseIamPrincipal(request.principalArn);
  const cacheAccount = cacheArns[0]!.split(':')[4] ?? '';
  if (principal.accountId !== cacheAccount) {
    throw new ValidationError(
      `the principal is in account ${principal.accountId}, the caches in ${cacheAccount}: cachegate grants only within the caches' account`,
      'principalArn',
    );
  }
  const partition = cacheArns[0]!.split(':')[1] ?? 'aws';
  return {
    principalArn: request.principalArn,
    policyName: iamConnectPolicyName(request.userId),
    policyArn: iamConnectPolicyArn(cacheAccount, request.userId, partition),
    policyDocument: iamConnectPolicyDocument(cacheArns, elastiCacheUserArn(cacheArns[0]!, request.userId)),
    caches: caches.map((cache) => ({ cacheId: cache.cacheId, serverless: cache.serverless ?? false })),
  };
}

/** A MemoryDB user has one identifier, its name, which MemoryDB stores in lower case. */
function checkMemoryDbUserName(request: OnboardUserRequest): void {
  if (request.userId !== request.userId.toLowerCase()) {
    throw new ValidationError(
      `MemoryDB stores user names in lower case: use ${request.userId.toLowerCase()}`,
      'userId',
    );
  }
  if (request.userName !== request.userId) {
    throw new ValidationError(
      `MemoryDB users have no separate ID: userName must be ${request.userId}`,
      'userName',
    );
  }
}

/**
 * The access string must name only commands every target cache's engine knows (a group may serve
 * caches of both engines); with no cache attached yet, those of the user's own engine.
 */
function checkAccessString(
  accessString: string,
  userEngine: 'redis' | 'valkey',
  caches: TargetCache[],
): void {
  const targets: { engine: EngineTarget; label: string }[] = caches
    .filter((cache): cache is TargetCache & { engine: 'redis' | 'valkey' } =>
      ['redis', 'valkey'].includes(cache.engine),
    )
    .map((cache) => ({
      engine: {
        engine: cache.engine,
        engineVersion: cache.engineVersion ?? RBAC_MINIMUM_ENGINE_VERSION[cache.engine],
      },
      label: ` (${cache.serverless ? 'serverless cache' : 'cache'} ${cache.cacheId})`,
    }));
  if (targets.length === 0) targets.push({ engine: { engine: userEngine }, label: '' });
  for (const target of targets) {
    try {
      normalizeAccessString(accessString, { engine: target.engine });
    } catch (error) {
      if (error instanceof AccessStringError) {
        throw new ValidationError(
          `${error.message.replace(/^access string: /, '')}${target.label}`,
          'accessString',
        );
      }
      throw error;
    }
  }
}

/**
 * The tag CreateUser puts on every user cachegate creates: the execution ID of the run creating
 * it. It is the only proof that an existing user with the ID a run wants is that run's own (a
 * retry after a lost CreateUser response): user details can match by chance, passwords cannot be
 * read back.
 */
export const CREATED_BY_TAG = 'cachegate:created-by';
