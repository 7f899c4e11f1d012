import type { CacheService } from '../core/rbac/cache-service.js';
import type { CacheRbacPort } from '../core/ports/cache-rbac.js';
import * as elastiCache from './elasticache.js';
import * as memoryDb from './memorydb.js';

const ADAPTERS: Record<CacheService, CacheRbacPort> = {
  elasticache: elastiCache,
  memorydb: memoryDb,
};

/** The adapter for `service` (ElastiCache unless told otherwise). */
export function cacheRbac(service: CacheService = 'elasticache'): CacheRbacPort {
  return ADAPTERS[service];
}
