import {
  CacheClusterNotFoundFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
} from '@aws-sdk/client-elasticache';
import { generateAuthToken, validateAuthToken } from '../../../../functions/core/auth-token-policy.js';
import { serviceFault } from '../../service-error.js';
import { oneOrAll } from '../cache-rbac-model-helpers.js';
import type { Engine } from './parameters.js';
import {
  lowerCaseIds,
  memberCluster,
  paginate,
  type ElastiCacheState,
  type ReplicationGroup,
} from './state.js';

/** DescribeReplicationGroups, DescribeCacheClusters, ModifyReplicationGroup. */
export function replicationGroupCommands(s: ElastiCacheState) {
  return {
    DescribeReplicationGroups: (input: {
      ReplicationGroupId?: string;
      MaxRecords?: number;
      Marker?: string;
    }) =>
      s.settled(() => {
        const groups = oneOrAll(
          input.ReplicationGroupId,
          (id) => s.findReplicationGroup(id),
          s.replicationGroups,
        );
        const { page, marker } = paginate(groups, input, InvalidParameterValueException);
        return { ReplicationGroups: page.map((g) => s.replicationGroupView(g)), Marker: marker };
      }),

    /** Only the replication groups' member clusters are modelled: one node each, `<id>-001`. */
    DescribeCacheClusters: (input: { CacheClusterId?: string; MaxRecords?: number; Marker?: string }) =>
      s.settled(() => {
        const groups =
          input.CacheClusterId === undefined
            ? [...s.replicationGroups.values()]
            : [...s.replicationGroups.values()].filter(
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
      s.settled(() => {
        const group = s.findReplicationGroup(input.ReplicationGroupId);
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
        const strategy = checkAuthTokenChange(group, input, add, remove);
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
          const userGroup = s.activeUserGroup(id);
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
          readyAt: s.clock.nowMs() + s.delays.replicationGroupModify,
          apply: () => {
            group.userGroupIds = after;
            if (strategy !== undefined) {
              group.authTokens = nextAuthTokens(group.authTokens, strategy, token);
              group.authTokenLastModified = new Date(s.clock.nowMs());
            }
            delete group.pendingUserGroups;
            delete group.pendingAuthToken;
            group.status = 'available';
            s.notifyAccess(group);
          },
        };
        return { ReplicationGroup: s.replicationGroupView(group) };
      }),
  };
}

/**
 * Test and demo set-up: a replication group that exists already (`available`). `authToken`
 * puts it on AUTH with that token (checked like ModifyReplicationGroup's); `authTokenEnabled`
 * alone gives it a generated token nobody knows.
 */
export function seedReplicationGroup(
  s: ElastiCacheState,
  spec: {
    id: string;
    transitEncryption: boolean;
    engine?: Engine;
    /** Default: a current version (redis 7.1, valkey 8.0). */
    engineVersion?: string;
    authTokenEnabled?: boolean;
    authToken?: string;
    userGroupIds?: string[];
  },
): void {
  s.applyDueChanges();
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
    ...(token === undefined ? {} : { authTokenLastModified: new Date(s.clock.nowMs()) }),
    userGroupIds: lowerCaseIds(spec.userGroupIds),
    status: 'available',
  };
  s.replicationGroups.set(group.replicationGroupId, group);
  s.notifyAccess(group);
}

/**
 * The AUTH token rules of ModifyReplicationGroup (API reference, `AuthToken` and
 * `AuthTokenUpdateStrategy`): the strategy goes with a token and defaults to ROTATE when a token
 * is given; `SET` is allowed only after `ROTATE`; `DELETE` only when moving to RBAC; AUTH needs
 * in-transit encryption; the token charset is AUTH's (stricter than user passwords). A user
 * group cannot be attached while AUTH is on unless the same call deletes the token
 * (InvalidParameterCombination, as AWS answers). Returns the strategy in force, if any.
 */
function checkAuthTokenChange(
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
