import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';

/**
 * The cache services whose RBAC users the onboard-user and offboard-user workflows manage:
 * ElastiCache (users in user groups) and MemoryDB (users in ACLs). A workflow input without
 * `service` means ElastiCache, so every input written before MemoryDB keeps its meaning.
 */
export const CACHE_SERVICES = ['elasticache', 'memorydb'] as const;
export type CacheService = (typeof CACHE_SERVICES)[number];

export const cacheServiceSchema = z._default(z.enum(CACHE_SERVICES), 'elasticache');

/** How messages name each service. */
export const CACHE_SERVICE_NAMES: Record<CacheService, string> = {
  elasticache: 'ElastiCache',
  memorydb: 'MemoryDB',
};

/** MemoryDB's built-in ACL: it holds only the built-in `default` user and cannot be changed. */
export const MEMORYDB_OPEN_ACCESS_ACL = 'open-access';

/**
 * `service` in the input of harden-default-user, which exists for ElastiCache only: a MemoryDB
 * request is refused rather than run against ElastiCache.
 */
export const elastiCacheOnlyServiceSchema = z._default(
  z.literal('elasticache', {
    error:
      'only elasticache: MemoryDB ACLs need no default user (to move a cluster off open-access, run migrate-to-rbac with service memorydb)',
  }),
  'elasticache',
);

/** A command-line `--service` value (absent: ElastiCache); anything else names `flag`. */
export function parseCacheServiceOption(value: string | undefined, flag = '--service'): CacheService {
  const service = CACHE_SERVICES.find((s) => s === (value ?? 'elasticache'));
  if (service === undefined) throw new ValidationError('must be elasticache or memorydb', flag);
  return service;
}
