import type { CacheService } from '../core/rbac/cache-service.js';
import * as elastiCache from './elasticache.js';
import type { CacheUser, CacheUserGroup, NewCacheUser } from './elasticache.js';
import * as memoryDb from './memorydb.js';

export type { CacheUser, CacheUserGroup, NewCacheUser } from './elasticache.js';
export type { CacheService } from '../core/rbac/cache-service.js';

/**
 * What the RBAC workflow Lambdas need from a cache service: users and the groups that grant
 * them access. ElastiCache implements it with users and user groups; MemoryDB with users and
 * ACLs (`functions/aws/memorydb.ts` documents the mapping). Errors are the service's own (the
 * workflows retry `InvalidUserGroupStateFault` and `InvalidACLStateFault` alike).
 */
export interface CacheRbacPort {
  describeUser(userId: string): Promise<CacheUser | undefined>;
  listUsers(): Promise<CacheUser[]>;
  createUser(spec: NewCacheUser): Promise<{ user: CacheUser; created: boolean }>;
  /** Replaces the user's password list (rotation); the user turns `modifying` until it applies. */
  modifyUserPasswords(userId: string, passwords: string[]): Promise<CacheUser>;
  deleteUser(userId: string): Promise<boolean>;
  describeUserGroup(userGroupId: string): Promise<CacheUserGroup | undefined>;
  listUserGroups(): Promise<CacheUserGroup[]>;
  modifyUserGroup(
    userGroupId: string,
    change: { add?: string[]; remove?: string[] },
  ): Promise<CacheUserGroup>;
}

const ADAPTERS: Record<CacheService, CacheRbacPort> = {
  elasticache: elastiCache,
  memorydb: memoryDb,
};

/** The adapter for `service` (ElastiCache unless told otherwise). */
export function cacheRbac(service: CacheService = 'elasticache'): CacheRbacPort {
  return ADAPTERS[service];
}
