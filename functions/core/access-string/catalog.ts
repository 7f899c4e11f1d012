/** Lookups over the static Redis 7.0 command catalog (see redis-catalog.ts). */
import { REDIS_CATEGORIES, REDIS_COMMANDS, REDIS_NO_AUTH_COMMANDS } from './redis-catalog.js';

const containers = new Map<string, string[]>();
for (const name of REDIS_COMMANDS) {
  const bar = name.indexOf('|');
  if (bar < 0) continue;
  const container = name.slice(0, bar);
  containers.set(container, [...(containers.get(container) ?? []), name]);
}

const commandNames = new Set(REDIS_COMMANDS);

/**
 * Commands a permission bit exists for: plain commands and each subcommand. A container (`client`,
 * `acl`...) is never run on its own, so it has no bit of its own here.
 */
export const LEAF_COMMANDS: readonly string[] = REDIS_COMMANDS.filter((name) => !containers.has(name));

export const CATEGORY_NAMES: readonly string[] = Object.keys(REDIS_CATEGORIES);

const noAuthCommands = new Set(REDIS_NO_AUTH_COMMANDS);

/** AUTH, HELLO, QUIT, RESET: Redis lets every user run them, so no rule changes anything for them. */
export function isAlwaysAllowed(command: string): boolean {
  return noAuthCommands.has(command);
}

export function isKnownCommand(name: string): boolean {
  return commandNames.has(name);
}

export function isKnownCategory(name: string): boolean {
  return name === 'all' || Object.hasOwn(REDIS_CATEGORIES, name);
}

export function hasSubcommands(command: string): boolean {
  return containers.has(command);
}

/** The leaf commands a `+name`/`-name` rule switches: a container switches all its subcommands. */
export function leavesOf(name: string): readonly string[] {
  return containers.get(name) ?? [name];
}

/** The leaf commands a `+@category`/`-@category` rule switches. */
export function leavesOfCategory(category: string): readonly string[] {
  if (category === 'all') return LEAF_COMMANDS;
  return [...new Set((REDIS_CATEGORIES[category] ?? []).flatMap(leavesOf))];
}
