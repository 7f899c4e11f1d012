/**
 * Commands ElastiCache blocks or renames. ElastiCache rejects an access string that names one of
 * them (`+config`, `-debug`, `+acl|setuser`); categories that contain them (`+@all`, `+@admin`)
 * are fine. Sources and reasoning: docs/access-strings.md.
 */
const RESTRICTED: ReadonlySet<string> = new Set([
  // ElastiCache "Restricted commands" (ClientConfig.RestrictedCommands).
  'bgrewriteaof',
  'bgsave',
  'config',
  'debug',
  'migrate',
  'replicaof',
  'save',
  'slaveof',
  'shutdown',
  'sync',
  // Also restricted on serverless caches and MemoryDB (same managed-service reasons).
  'psync',
  'module',
  'acl|deluser',
  'acl|load',
  'acl|save',
  'acl|setuser',
  'cluster|addslots',
  'cluster|addslotsrange',
  'cluster|delslots',
  'cluster|delslotsrange',
  'cluster|setslot',
  // Cluster topology is managed by ElastiCache: the rest of the slot and membership changes.
  'cluster|bumpepoch',
  'cluster|failover',
  'cluster|flushslots',
  'cluster|forget',
  'cluster|meet',
  'cluster|replicate',
  'cluster|reset',
  'cluster|saveconfig',
  'cluster|set-config-epoch',
]);

/** True for a restricted command, or a subcommand of one (`config|get`), by lower-case name. */
export function isRestrictedOnElastiCache(name: string): boolean {
  if (RESTRICTED.has(name)) return true;
  const bar = name.indexOf('|');
  return bar > 0 && RESTRICTED.has(name.slice(0, bar));
}
