/**
 * The meaning of an access string: what the engine (Redis 7.0, Valkey) ends up with after applying the rules in order
 * to a user that starts from `reset` (off, no keys, no channels, no commands), and the same
 * allow/deny decision Redis makes for a command (`ACL DRYRUN`).
 */
import type { CommandCatalog } from './catalog.js';
import { redisGlobMatch } from './glob.js';
import type { ParsedAccessString } from './parse.js';

export interface KeyPermission {
  readonly read: boolean;
  readonly write: boolean;
}

export interface Permissions {
  readonly enabled: boolean;
  readonly allKeys: boolean;
  /** Key patterns in the order Redis checks them; a pattern given twice has its flags merged. */
  readonly keyPatterns: ReadonlyMap<string, KeyPermission>;
  readonly allChannels: boolean;
  readonly channelPatterns: ReadonlySet<string>;
  /**
   * Leaf commands (`get`, `client|list`) of the engine's catalog the rules allow. The no-auth
   * commands (AUTH, HELLO, QUIT, RESET) are allowed whatever this says.
   */
  readonly allowedCommands: ReadonlySet<string>;
  /** The catalog the access string was parsed against. */
  readonly catalog: CommandCatalog;
}

export interface PermissionOptions {
  /**
   * Channel permissions a user starts with: Redis 7.0's `acl-pubsub-default` is `resetchannels`
   * (the default here); engines configured otherwise start from `allchannels`.
   */
  readonly pubsubDefault?: 'resetchannels' | 'allchannels';
}

export function permissionsOf(parsed: ParsedAccessString, options: PermissionOptions = {}): Permissions {
  let enabled = false;
  let allKeys = false;
  const keyPatterns = new Map<string, KeyPermission>();
  let allChannels = options.pubsubDefault === 'allchannels';
  const channelPatterns = new Set<string>();
  const allowedCommands = new Set<string>();
  const catalog = parsed.catalog;
  const switchCommands = (names: readonly string[], allow: boolean): void => {
    for (const name of names) {
      if (allow) allowedCommands.add(name);
      else allowedCommands.delete(name);
    }
  };

  for (const rule of parsed.rules) {
    switch (rule.kind) {
      case 'enabled':
        enabled = rule.on;
        break;
      case 'allkeys':
        allKeys = true;
        keyPatterns.clear();
        break;
      case 'resetkeys':
        allKeys = false;
        keyPatterns.clear();
        break;
      case 'keys':
        if (rule.token === '~*') {
          allKeys = true;
          keyPatterns.clear();
        } else {
          const previous = keyPatterns.get(rule.pattern);
          keyPatterns.set(rule.pattern, {
            read: rule.read || (previous?.read ?? false),
            write: rule.write || (previous?.write ?? false),
          });
        }
        break;
      case 'allchannels':
        allChannels = true;
        channelPatterns.clear();
        break;
      case 'resetchannels':
        allChannels = false;
        channelPatterns.clear();
        break;
      case 'channel':
        if (rule.pattern === '*') {
          allChannels = true;
          channelPatterns.clear();
        } else {
          channelPatterns.add(rule.pattern);
        }
        break;
      case 'category':
        switchCommands(catalog.leavesOfCategory(rule.category), rule.allow);
        break;
      case 'command':
        switchCommands(catalog.leavesOf(rule.command), rule.allow);
        break;
      default:
        assertNever(rule);
    }
  }
  return { enabled, allKeys, keyPatterns, allChannels, channelPatterns, allowedCommands, catalog };
}

function assertNever(rule: never): never {
  throw new Error(`unhandled access rule ${JSON.stringify(rule)}`);
}

export interface CommandRequest {
  /** Lower-case leaf command: `get`, or `client|list` for a subcommand. */
  readonly command: string;
  /** Keys the command touches and how (from the command's key specs: ACCESS = read, INSERT/DELETE/UPDATE = write). */
  readonly keys?: readonly ({ readonly name: string } & KeyPermission)[];
  /** Channels it publishes/subscribes to; `pattern` for PSUBSCRIBE-style pattern arguments. */
  readonly channels?: readonly { readonly name: string; readonly pattern?: boolean }[];
}

export type AccessDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly deniedBy: 'command' | 'key' | 'channel'; readonly name: string };

/**
 * Redis's permission check for one command (what `ACL DRYRUN` answers). It does not look at
 * `on`/`off`: an `off` user cannot authenticate at all, see `Permissions.enabled`.
 */
export function checkCommand(permissions: Permissions, request: CommandRequest): AccessDecision {
  if (
    !permissions.allowedCommands.has(request.command) &&
    !permissions.catalog.isAlwaysAllowed(request.command)
  ) {
    return { allowed: false, deniedBy: 'command', name: request.command };
  }
  for (const key of request.keys ?? []) {
    if (!keyAllowed(permissions, key)) return { allowed: false, deniedBy: 'key', name: key.name };
  }
  for (const channel of request.channels ?? []) {
    if (!channelAllowed(permissions, channel.name, channel.pattern ?? false)) {
      return { allowed: false, deniedBy: 'channel', name: channel.name };
    }
  }
  return { allowed: true };
}

function keyAllowed(permissions: Permissions, key: { name: string } & KeyPermission): boolean {
  if (permissions.allKeys) return true;
  // One pattern must grant every access the key needs: %R~a plus %W~b does not give RW on "ab".
  for (const [pattern, granted] of permissions.keyPatterns) {
    if ((key.read && !granted.read) || (key.write && !granted.write)) continue;
    if (redisGlobMatch(pattern, key.name)) return true;
  }
  return false;
}

function channelAllowed(permissions: Permissions, channel: string, isPattern: boolean): boolean {
  if (permissions.allChannels) return true;
  for (const pattern of permissions.channelPatterns) {
    // A subscription pattern must be granted literally; a channel name is matched as a glob.
    if (isPattern ? pattern === channel : redisGlobMatch(pattern, channel)) return true;
  }
  return false;
}
