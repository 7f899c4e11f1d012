/**
 * What an access string grants, in words an approver reads before deciding, with a warning for
 * each grant that gives away more than one application's data.
 */
import { normalizeAccessString } from './normalize.js';
import { parseAccessString } from './parse.js';
import { permissionsOf } from './permissions.js';
import { isRestrictedOnElastiCache } from './restricted-commands.js';

export interface AccessSummary {
  /** The canonical form: what the user is created with, and what the approver is shown. */
  normalized: string;
  /** One line per aspect: state, keys, channels, commands. */
  lines: string[];
  /** Dangerous grants, each a short sentence; empty when there are none. */
  warnings: string[];
}

/** Commands named in the warnings even outside @dangerous / @admin. */
const DANGEROUS_COMMANDS = [
  'flushall',
  'flushdb',
  'config|set',
  'config|get',
  'keys',
  'debug',
  'shutdown',
  'eval',
];
const MAX_NAMED = 8;

/** Throws `AccessStringError` for an invalid string, as `normalizeAccessString` does. */
export function summarizeAccessString(accessString: string): AccessSummary {
  const normalized = normalizeAccessString(accessString);
  const permissions = permissionsOf(parseAccessString(normalized));
  const { catalog } = permissions;
  const universe = catalog.leafCommands.filter(
    (name) => !catalog.isAlwaysAllowed(name) && !isRestrictedOnElastiCache(name),
  );
  const allowed = universe.filter((name) => permissions.allowedCommands.has(name));
  const star = permissions.keyPatterns.get('*');
  const allKeys = permissions.allKeys || (star?.read === true && star.write === true);
  const keys = allKeys
    ? 'every key, read and write'
    : permissions.keyPatterns.size === 0
      ? 'no key'
      : [...permissions.keyPatterns]
          .map(
            ([pattern, f]) =>
              `${pattern} (${f.read && f.write ? 'read and write' : f.read ? 'read only' : 'write only'})`,
          )
          .join(', ');
  const channels = permissions.allChannels
    ? 'every channel'
    : permissions.channelPatterns.size === 0
      ? 'no channel'
      : [...permissions.channelPatterns].join(', ');
  const dangerous = new Set([
    ...catalog.leavesOfCategory('dangerous'),
    ...catalog.leavesOfCategory('admin'),
    ...DANGEROUS_COMMANDS,
  ]);
  const risky = allowed.filter((name) => dangerous.has(name));
  const warnings = [
    ...(permissions.enabled && allKeys ? ['grants every key (read and write)'] : []),
    ...(permissions.enabled && allowed.length === universe.length ? ['grants every command'] : []),
    ...(permissions.enabled && risky.length > 0
      ? [
          `grants ${risky.length} dangerous or administrative command${risky.length === 1 ? '' : 's'}: ${risky
            .slice(0, MAX_NAMED)
            .join(', ')}${risky.length > MAX_NAMED ? ', ...' : ''}`,
        ]
      : []),
  ];
  return {
    normalized,
    lines: [
      permissions.enabled ? 'can log in' : 'disabled: cannot log in',
      `keys: ${keys}`,
      `channels: ${channels}`,
      `commands: ${allowed.length} of ${universe.length} (${normalized
        .split(' ')
        .filter((t) => /^[+-]/.test(t))
        .join(' ')})`,
    ],
    warnings,
  };
}
