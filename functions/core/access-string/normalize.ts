/**
 * A canonical form for access strings, so that strings meaning the same thing compare equal
 * whatever order, casing, merging or expansion AWS or Redis applied to them.
 */
import { parseAccessString, type ParseOptions } from './parse.js';
import {
  permissionsOf,
  type KeyPermission,
  type PermissionOptions,
  type Permissions,
} from './permissions.js';
import { isRestrictedOnElastiCache } from './restricted-commands.js';

export type NormalizeOptions = ParseOptions & PermissionOptions;

/**
 * The canonical access string: `on|off`, key patterns (sorted, merged, redundant ones dropped),
 * channel patterns (sorted), then `+@all` or `-@all` followed by the categories (largest first) and
 * commands (catalog order) that differ. With ElastiCache rules (the default), commands ElastiCache blocks are left out of
 * the comparison: no user can run them there, and the result must itself be a valid access string.
 */
export function normalizeAccessString(accessString: string, options: NormalizeOptions = {}): string {
  const permissions = permissionsOf(parseAccessString(accessString, options), options);
  return canonicalTokens(permissions, options).join(' ');
}

/** True when both strings grant the same state, keys, channels and commands. Throws on an invalid string. */
export function accessStringsEquivalent(a: string, b: string, options: NormalizeOptions = {}): boolean {
  return normalizeAccessString(a, options) === normalizeAccessString(b, options);
}

function canonicalTokens(permissions: Permissions, options: NormalizeOptions = {}): string[] {
  return [
    permissions.enabled ? 'on' : 'off',
    ...canonicalKeys(permissions),
    ...canonicalChannels(permissions, options),
    ...canonicalCommands(permissions, options.elasticache ?? true),
  ];
}

function canonicalKeys(permissions: Permissions): string[] {
  const star = permissions.keyPatterns.get('*');
  if (permissions.allKeys || (star?.read && star.write)) return ['~*'];
  const covered = (flags: KeyPermission): boolean =>
    star !== undefined && (!flags.read || star.read) && (!flags.write || star.write);
  return [...permissions.keyPatterns]
    .filter(([pattern, flags]) => pattern === '*' || !covered(flags))
    .sort(([a], [b]) => compareCodeUnits(a, b))
    .map(([pattern, flags]) => `${keyPrefix(flags)}${pattern}`);
}

function keyPrefix(flags: KeyPermission): string {
  if (flags.read && flags.write) return '~';
  return flags.read ? '%R~' : '%W~';
}

function canonicalChannels(permissions: Permissions, options: PermissionOptions): string[] {
  if (permissions.allChannels) return ['&*'];
  const patterns = [...permissions.channelPatterns].sort(compareCodeUnits).map((p) => `&${p}`);
  return options.pubsubDefault === 'allchannels' ? ['resetchannels', ...patterns] : patterns;
}

function canonicalCommands(permissions: Permissions, elasticache: boolean): string[] {
  const catalog = permissions.catalog;
  const inScope = (name: string): boolean =>
    !catalog.isAlwaysAllowed(name) && (!elasticache || !isRestrictedOnElastiCache(name));
  const universe = catalog.leafCommands.filter(inScope);
  const allowedCount = universe.filter((name) => permissions.allowedCommands.has(name)).length;
  if (allowedCount === universe.length) return ['+@all'];
  if (allowedCount === 0) return ['-@all'];
  const baseAllows = allowedCount * 2 > universe.length;
  const differsFromBase = (leaf: string): boolean => permissions.allowedCommands.has(leaf) !== baseAllows;
  const sign = baseAllows ? '-' : '+';
  const tokens = [baseAllows ? '+@all' : '-@all'];
  // Categories first, largest first, each when it only switches commands that must differ from
  // the base and switches at least one not switched yet: a function of the permission set alone,
  // so equal sets give equal strings, and far shorter than one token per command.
  const switched = new Set<string>();
  const categories = catalog.categoryNames
    .map((category) => ({
      category,
      leaves: catalog.leavesOfCategory(category).filter(inScope),
    }))
    .sort((a, b) => b.leaves.length - a.leaves.length);
  for (const { category, leaves } of categories) {
    if (!leaves.every(differsFromBase) || leaves.every((leaf) => switched.has(leaf))) continue;
    tokens.push(`${sign}@${category}`);
    for (const leaf of leaves) switched.add(leaf);
  }
  for (const name of catalog.topLevelCommands) {
    const leaves = catalog.leavesOf(name).filter(inScope);
    const differing = leaves.filter(differsFromBase);
    if (differing.every((leaf) => switched.has(leaf))) continue;
    if (differing.length === leaves.length) tokens.push(`${sign}${name}`);
    else tokens.push(...differing.filter((leaf) => !switched.has(leaf)).map((leaf) => `${sign}${leaf}`));
  }
  return tokens;
}

function compareCodeUnits(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
