import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidServerlessCacheStateFault,
  ServerlessCacheAlreadyExistsFault,
  ServerlessCacheNotFoundFault,
  type ServerlessCache as ServerlessCacheView,
} from '@aws-sdk/client-elasticache';
import { serviceFault } from '../../service-error.js';
import type { Pending } from '../cache-rbac-model-helpers.js';
import type { Engine } from './parameters.js';
import type { ElastiCacheState, ServerlessCache } from './state.js';

/**
 * The engine versions a serverless cache can be created with, and the version it then reports
 * (`MajorEngineVersion` → `FullEngineVersion`); `default` when none is asked. The versions are
 * the ones cachegate has access-string catalogs for (docs/access-strings.md).
 */
const VERSIONS: Record<Engine, { default: string; full: Record<string, string> }> = {
  valkey: { default: '8', full: { '8': '8.0', '7': '7.2' } },
  redis: { default: '7', full: { '7': '7.1' } },
};

const MODELLED = {
  create: [
    'ServerlessCacheName',
    'Engine',
    'MajorEngineVersion',
    'Description',
    'UserGroupId',
    'SecurityGroupIds',
    'SubnetIds',
    'Tags',
  ],
  modify: ['ServerlessCacheName', 'Description', 'UserGroupId', 'RemoveUserGroup'],
  delete: ['ServerlessCacheName'],
};

/** A serverless cache name: stored in lower case (CreateServerlessCache reference). */
const NAME = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;

/**
 * CreateServerlessCache, DescribeServerlessCaches, ModifyServerlessCache, DeleteServerlessCache:
 * ElastiCache Serverless caches (Valkey and Redis OSS), the part cachegate uses (description and
 * user group), with the statuses the API reference lists (`creating`, `available`, `modifying`,
 * `deleting`; lower case as in its examples) and only the errors the SDK declares for each
 * command. RBAC is the only access control a serverless cache has: its one user group is
 * `UserGroupId`. Rules and assumptions: docs/aws-facts.md, "ElastiCache Serverless".
 */
export function serverlessCacheCommands(s: ElastiCacheState) {
  return {
    CreateServerlessCache: (input: Record<string, unknown>) =>
      s.settled(() => createServerlessCache(s, input)),

    DescribeServerlessCaches: (input: {
      ServerlessCacheName?: string;
      MaxResults?: number;
      NextToken?: string;
    }) =>
      s.settled(() => {
        let caches = [...s.serverlessCaches.values()];
        if (input.ServerlessCacheName !== undefined)
          caches = [findServerlessCache(s, input.ServerlessCacheName)];
        const max = input.MaxResults ?? 50;
        // The reference gives the default (50), not the bounds: 1–100 is an assumption.
        if (!Number.isInteger(max) || max < 1 || max > 100) {
          throw serviceFault(InvalidParameterValueException, 'MaxResults must be between 1 and 100.');
        }
        const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
        if (!Number.isInteger(start) || start < 0) {
          throw serviceFault(InvalidParameterValueException, 'NextToken is not valid.');
        }
        const page = caches.slice(start, start + max);
        return {
          ServerlessCaches: page.map((cache) => serverlessCacheView(s, cache)),
          ...(start + max < caches.length ? { NextToken: String(start + max) } : {}),
        };
      }),

    ModifyServerlessCache: (input: Record<string, unknown>) =>
      s.settled(() => {
        refuseUnmodelled('ModifyServerlessCache', input, MODELLED.modify);
        const cache = findServerlessCache(s, input.ServerlessCacheName);
        checkAvailable(cache);
        if (input.UserGroupId !== undefined && input.RemoveUserGroup === true) {
          throw serviceFault(
            InvalidParameterCombinationException,
            'UserGroupId and RemoveUserGroup cannot be given together.',
          );
        }
        if (input.RemoveUserGroup === true && cache.userGroupId === undefined) {
          // Assumption: removing a user group the cache does not have is refused, not ignored.
          throw serviceFault(
            InvalidParameterCombinationException,
            `Serverless cache ${cache.name} has no user group to remove.`,
          );
        }
        const description = input.Description === undefined ? undefined : checkDescription(input.Description);
        const userGroupId =
          input.UserGroupId === undefined ? undefined : checkUserGroup(s, input.UserGroupId, cache.engine);
        const changes =
          (description !== undefined && description !== cache.description) ||
          (userGroupId !== undefined && userGroupId !== cache.userGroupId) ||
          input.RemoveUserGroup === true;
        if (!changes) {
          throw serviceFault(InvalidParameterCombinationException, 'No modifications were requested.');
        }
        // Assumption: the response and DescribeServerlessCaches show the new user group at once,
        // with the cache `modifying` until the change is in force.
        if (description !== undefined) cache.description = description;
        if (userGroupId !== undefined) cache.userGroupId = userGroupId;
        if (input.RemoveUserGroup === true) delete cache.userGroupId;
        cache.status = 'modifying';
        cache.pending = after(s, s.delays.serverlessModify, () => {
          cache.status = 'available';
        });
        return { ServerlessCache: serverlessCacheView(s, cache) };
      }),

    DeleteServerlessCache: (input: Record<string, unknown>) =>
      s.settled(() => {
        refuseUnmodelled('DeleteServerlessCache', input, MODELLED.delete);
        const cache = findServerlessCache(s, input.ServerlessCacheName);
        checkAvailable(cache);
        cache.status = 'deleting';
        cache.pending = after(s, s.delays.serverlessDelete, () => {
          s.serverlessCaches.delete(cache.name);
        });
        return { ServerlessCache: serverlessCacheView(s, cache) };
      }),
  };
}

function createServerlessCache(s: ElastiCacheState, input: Record<string, unknown>) {
  refuseUnmodelled('CreateServerlessCache', input, MODELLED.create);
  const name = checkName(input.ServerlessCacheName);
  const engine = checkServerlessEngine(input.Engine);
  const versions = VERSIONS[engine];
  const major = input.MajorEngineVersion ?? versions.default;
  const full = typeof major === 'string' ? versions.full[major] : undefined;
  if (full === undefined) {
    throw serviceFault(
      InvalidParameterValueException,
      `MajorEngineVersion must be one of ${Object.keys(versions.full).join(', ')} for ${engine}.`,
    );
  }
  const description = checkDescription(input.Description);
  if (s.serverlessCaches.has(name)) {
    throw serviceFault(ServerlessCacheAlreadyExistsFault, `Serverless cache ${name} already exists.`);
  }
  const userGroupId =
    input.UserGroupId === undefined ? undefined : checkUserGroup(s, input.UserGroupId, engine);
  const cache: ServerlessCache = {
    name,
    description,
    engine,
    majorEngineVersion: major as string,
    fullEngineVersion: full,
    ...(userGroupId ? { userGroupId } : {}),
    securityGroupIds: stringList(input.SecurityGroupIds),
    subnetIds: stringList(input.SubnetIds),
    createTime: new Date(s.clock.nowMs()),
    status: 'creating',
  };
  s.serverlessCaches.set(name, cache);
  cache.pending = after(s, s.delays.serverlessCreate, () => {
    cache.status = 'available';
  });
  return { ServerlessCache: serverlessCacheView(s, cache) };
}

/**
 * A change of the user group landed: the serverless caches using it take it in, `modifying` for
 * a while ("When a user is modified, the user groups associated with the user are updated, along
 * with any caches associated with the user group", ElastiCache User Guide, RBAC). Assumption: how
 * long, and that only membership changes (not password changes) show as `modifying`.
 */
export function takeInUserGroupChange(s: ElastiCacheState, userGroupId: string): void {
  for (const cache of s.serverlessCaches.values()) {
    if (cache.userGroupId !== userGroupId || cache.status === 'deleting' || cache.status === 'creating')
      continue;
    cache.status = 'modifying';
    const previous = cache.pending;
    const readyAt = Math.max(previous?.readyAt ?? 0, s.clock.nowMs() + s.delays.serverlessUserGroupSync);
    cache.pending = {
      readyAt,
      apply: () => {
        previous?.apply();
        cache.status = 'available';
      },
    };
  }
}

/** Test and demo set-up: an `available` serverless cache, checked like CreateServerlessCache. */
export function seedServerlessCache(
  s: ElastiCacheState,
  spec: { name: string; engine?: Engine; majorEngineVersion?: string; userGroupId?: string },
): void {
  s.applyDueChanges();
  createServerlessCache(s, {
    ServerlessCacheName: spec.name,
    Engine: spec.engine ?? 'valkey',
    ...(spec.majorEngineVersion ? { MajorEngineVersion: spec.majorEngineVersion } : {}),
    ...(spec.userGroupId ? { UserGroupId: spec.userGroupId } : {}),
  });
  const cache = s.serverlessCaches.get(spec.name.toLowerCase())!;
  delete cache.pending;
  cache.status = 'available';
}

function after(s: ElastiCacheState, delay: number, apply: () => void): Pending {
  return { readyAt: s.clock.nowMs() + delay, apply };
}

/**
 * The user group must exist and be active (UserGroupNotFoundFault, InvalidUserGroupStateFault:
 * both declared), and its engine suit the cache: "VALKEY user groups can only be associated to
 * VALKEY clusters"; a Redis OSS cache takes only redis user groups, a Valkey cache both
 * (ElastiCache User Guide, RBAC). Error name for a mismatch: assumption.
 */
function checkUserGroup(s: ElastiCacheState, value: unknown, engine: Engine): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw serviceFault(InvalidParameterValueException, 'UserGroupId must be a user group ID.');
  }
  const group = s.activeUserGroup(value);
  if (group.engine === 'valkey' && engine !== 'valkey') {
    throw serviceFault(
      InvalidParameterCombinationException,
      `User group ${group.userGroupId} is a valkey user group; it can be used only by valkey caches.`,
    );
  }
  return group.userGroupId;
}

function checkAvailable(cache: ServerlessCache): void {
  if (cache.status !== 'available') {
    throw serviceFault(
      InvalidServerlessCacheStateFault,
      `Serverless cache ${cache.name} is ${cache.status}, not available.`,
    );
  }
}

function findServerlessCache(s: ElastiCacheState, name: unknown): ServerlessCache {
  const cache = typeof name === 'string' ? s.serverlessCaches.get(name.toLowerCase()) : undefined;
  if (!cache) throw serviceFault(ServerlessCacheNotFoundFault, `Serverless cache ${String(name)} not found.`);
  return cache;
}

function serverlessCacheView(s: ElastiCacheState, cache: ServerlessCache): ServerlessCacheView {
  const address = `${cache.name}-abc123.serverless.use1.cache.amazonaws.com`;
  return {
    ServerlessCacheName: cache.name,
    Description: cache.description,
    CreateTime: cache.createTime,
    Status: cache.status,
    Engine: cache.engine,
    MajorEngineVersion: cache.majorEngineVersion,
    FullEngineVersion: cache.fullEngineVersion,
    SecurityGroupIds: [...cache.securityGroupIds],
    SubnetIds: [...cache.subnetIds],
    Endpoint: { Address: address, Port: 6379 },
    ReaderEndpoint: { Address: address, Port: 6380 },
    ARN: s.arn('serverlesscache', cache.name),
    ...(cache.userGroupId ? { UserGroupId: cache.userGroupId } : {}),
  };
}

function checkName(value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || value.includes('--') || value.endsWith('-')) {
    throw serviceFault(
      InvalidParameterValueException,
      'ServerlessCacheName must be 1-40 letters, digits or hyphens, begin with a letter, and contain no two consecutive hyphens or a trailing hyphen.',
    );
  }
  return value.toLowerCase();
}

/** Valkey and Redis OSS; Serverless Memcached exists on AWS but has no RBAC and is not modelled. */
function checkServerlessEngine(value: unknown): Engine {
  const engine = typeof value === 'string' ? value.toLowerCase() : '';
  if (engine === 'valkey' || engine === 'redis') return engine;
  throw serviceFault(
    InvalidParameterValueException,
    engine === 'memcached'
      ? 'sandbox: serverless Memcached is not modelled.'
      : 'Engine must be valkey, redis or memcached.',
  );
}

/** At most 255 characters; none means an empty string (CreateServerlessCache reference). */
function checkDescription(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string' || value.length > 255) {
    throw serviceFault(InvalidParameterValueException, 'Description must be at most 255 characters.');
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A parameter the sandbox does not model is refused rather than silently ignored. */
function refuseUnmodelled(command: string, input: Record<string, unknown>, modelled: string[]): void {
  const other = Object.keys(input).find((key) => !modelled.includes(key) && input[key] !== undefined);
  if (other) {
    throw serviceFault(InvalidParameterValueException, `sandbox: ${command} ${other} is not modelled.`);
  }
}
