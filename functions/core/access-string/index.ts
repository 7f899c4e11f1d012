/** ElastiCache access strings: parse and validate, evaluate, normalize and compare. */
export { AccessStringError, type AccessStringErrorReason } from './errors.js';
export { parseAccessString, type AccessRule, type ParseOptions, type ParsedAccessString } from './parse.js';
export {
  checkCommand,
  permissionsOf,
  type AccessDecision,
  type CommandRequest,
  type KeyPermission,
  type PermissionOptions,
  type Permissions,
} from './permissions.js';
export { accessStringsEquivalent, normalizeAccessString, type NormalizeOptions } from './normalize.js';
export { isRestrictedOnElastiCache } from './restricted-commands.js';
export { redisGlobMatch } from './glob.js';
export { REDIS_CATALOG_VERSION } from './redis-catalog.js';
export {
  REDIS_OSS_7_0_CATALOG,
  RBAC_MINIMUM_ENGINE_VERSION,
  allCatalogs,
  catalogFor,
  supportsRbac,
  type CacheEngine,
  type CommandCatalog,
  type EngineTarget,
} from './catalog.js';
