/**
 * Tokenizer, parser and validator for ElastiCache access strings (Redis 7.0 / Valkey ACL rules
 * without passwords, reset or selectors), against the command catalog of the target engine. Grammar and choices: docs/access-strings.md.
 */
import { AccessStringError, type AccessStringErrorReason } from './errors.js';
import { REDIS_OSS_7_0_CATALOG, catalogFor, type CommandCatalog, type EngineTarget } from './catalog.js';
import { isRestrictedOnElastiCache } from './restricted-commands.js';

interface RuleSource {
  /** The token as written. */
  readonly token: string;
  /** 1-based token number. */
  readonly index: number;
  /** 0-based character offset in the access string. */
  readonly position: number;
}

export type AccessRule = RuleSource &
  (
    | { readonly kind: 'enabled'; readonly on: boolean }
    | { readonly kind: 'allkeys' | 'resetkeys' | 'allchannels' | 'resetchannels' }
    | { readonly kind: 'keys'; readonly pattern: string; readonly read: boolean; readonly write: boolean }
    | { readonly kind: 'channel'; readonly pattern: string }
    /** `category` is lower case; `all` for `+@all`, `-@all`, `allcommands`, `nocommands`. */
    | { readonly kind: 'category'; readonly allow: boolean; readonly category: string }
    /** `command` is lower case, `container|sub` for a subcommand. */
    | { readonly kind: 'command'; readonly allow: boolean; readonly command: string }
  );

export interface ParseOptions {
  /**
   * Apply ElastiCache's restrictions (default true). With false, the string is checked as plain
   * Redis 7.0 ACL rules, e.g. to read back `ACL GETUSER` output; passwords, `reset` and
   * selectors stay refused because the semantic model has no place for them.
   */
  readonly elasticache?: boolean;
  /**
   * The engine and version of the cache the string is for: it decides which commands exist
   * (catalog.ts). Default: Redis OSS 7.0.
   */
  readonly engine?: EngineTarget;
}

export interface ParsedAccessString {
  readonly rules: readonly AccessRule[];
  /** The command catalog the rules were checked against; evaluation uses the same one. */
  readonly catalog: CommandCatalog;
}

const PASSWORD_PREFIXES = ['>', '<', '#', '!'];

export function parseAccessString(accessString: string, options: ParseOptions = {}): ParsedAccessString {
  const elasticache = options.elasticache ?? true;
  const catalog = options.engine === undefined ? REDIS_OSS_7_0_CATALOG : catalogFor(options.engine);
  const tokens = tokenize(accessString);
  if (tokens.length === 0) {
    throw new AccessStringError('is empty: state at least `on` or `off`', {
      reason: 'empty',
      tokenIndex: 0,
      position: 0,
    });
  }
  const state = { allKeys: false, starKeyFlags: 0, otherKeyPatterns: 0, allChannels: false };
  const rules = tokens.map((source) => {
    const rule = parseToken(source, elasticache, catalog);
    trackPatternState(rule, state);
    return rule;
  });
  return { rules, catalog };
}

function tokenize(accessString: string): RuleSource[] {
  const tokens: RuleSource[] = [];
  for (const match of accessString.matchAll(/\S+/g)) {
    tokens.push({ token: match[0], index: tokens.length + 1, position: match.index });
  }
  return tokens;
}

function fail(source: RuleSource, reason: AccessStringErrorReason, detail: string): never {
  const token = PASSWORD_PREFIXES.includes(source.token[0] ?? '') ? `${source.token[0]}…` : source.token;
  throw new AccessStringError(detail, {
    reason,
    tokenIndex: source.index,
    position: source.position,
    token,
  });
}

function parseToken(source: RuleSource, elasticache: boolean, catalog: CommandCatalog): AccessRule {
  const token = source.token;
  const lower = token.toLowerCase();
  switch (lower) {
    case 'on':
    case 'off':
      return { ...source, kind: 'enabled', on: lower === 'on' };
    case 'allkeys':
    case 'resetkeys':
    case 'allchannels':
    case 'resetchannels':
      return { ...source, kind: lower };
    case 'allcommands':
    case 'nocommands':
      return { ...source, kind: 'category', allow: lower === 'allcommands', category: 'all' };
    case 'nopass':
    case 'resetpass':
      return fail(source, 'elasticache', passwordsNotAllowed);
    case 'reset':
      return fail(
        source,
        'elasticache',
        '`reset` is not allowed: it would also remove the passwords ElastiCache manages',
      );
    case 'clearselectors':
      return fail(source, 'elasticache', 'selectors are not supported by ElastiCache');
    case 'sanitize-payload':
    case 'skip-sanitize-payload':
      return fail(
        source,
        'unsupported',
        'payload sanitization flags are not part of ElastiCache access strings',
      );
  }
  const first = token[0] ?? '';
  if (PASSWORD_PREFIXES.includes(first)) return fail(source, 'elasticache', passwordsNotAllowed);
  if (first === '(') return fail(source, 'elasticache', 'selectors `(...)` are not supported by ElastiCache');
  if (first === '~') return { ...source, kind: 'keys', pattern: token.slice(1), read: true, write: true };
  if (first === '%') return parseKeyPermission(source);
  if (first === '&') return { ...source, kind: 'channel', pattern: token.slice(1) };
  if (first === '+' || first === '-') return parseCommandRule(source, first === '+', elasticache, catalog);
  return fail(
    source,
    'syntax',
    'not an ACL rule (expected on, off, ~keys, %R~keys, &channels, +command, -@category...)',
  );
}

const passwordsNotAllowed =
  'passwords cannot be part of an access string: set them with CreateUser/ModifyUser';

function parseKeyPermission(source: RuleSource): AccessRule {
  const token = source.token;
  const tilde = token.indexOf('~');
  const flags = (tilde < 0 ? token.slice(1) : token.slice(1, tilde)).toUpperCase();
  const valid =
    flags.length > 0 && flags.length <= 2 && /^[RW]+$/.test(flags) && new Set(flags).size === flags.length;
  if (!valid) return fail(source, 'syntax', 'key permissions are %R~pattern, %W~pattern or %RW~pattern');
  if (tilde < 0) return fail(source, 'unsupported', 'key permission without `~pattern`: write %R~pattern');
  return {
    ...source,
    kind: 'keys',
    pattern: token.slice(tilde + 1),
    read: flags.includes('R'),
    write: flags.includes('W'),
  };
}

function parseCommandRule(
  source: RuleSource,
  allow: boolean,
  elasticache: boolean,
  catalog: CommandCatalog,
): AccessRule {
  const body = source.token.slice(1).toLowerCase();
  if (body.startsWith('@')) {
    const category = body.slice(1);
    if (!catalog.isKnownCategory(category)) {
      return fail(source, 'unknown-name', `unknown ACL category "${category}" for ${catalog.label}`);
    }
    return { ...source, kind: 'category', allow, category };
  }
  const parts = body.split('|');
  const [command = '', subcommand] = parts;
  if (parts.length > 2) return fail(source, 'syntax', 'only one `|` is allowed (command|subcommand)');
  if (!catalog.isKnownCommand(command)) {
    return fail(source, 'unknown-name', `unknown command "${command}" for ${catalog.label}`);
  }
  if (subcommand === '') return fail(source, 'syntax', 'empty subcommand after `|`');
  if (subcommand !== undefined && !catalog.hasSubcommands(command)) {
    return allow
      ? fail(
          source,
          'unsupported',
          `"${command}" has no subcommands; first-argument rules are deprecated in Redis`,
        )
      : fail(source, 'unknown-name', `"${command}" has no subcommands`);
  }
  const name = subcommand === undefined ? command : `${command}|${subcommand}`;
  if (!catalog.isKnownCommand(name)) {
    return fail(source, 'unknown-name', `unknown subcommand "${name}" for ${catalog.label}`);
  }
  if (elasticache && isRestrictedOnElastiCache(name)) {
    return fail(source, 'elasticache', `"${name}" is blocked or renamed on ElastiCache and cannot be named`);
  }
  return { ...source, kind: 'command', allow, command: name };
}

const READ = 1;
const WRITE = 2;

/**
 * Redis refuses a key or channel pattern after `allkeys`/`~*` (or `allchannels`/`&*`). Other
 * patterns next to a read-write `*` pattern (`%RW~* ~a`, `%R~* ~a %W~*`) it accepts but shows
 * back as `~* ~a`, which it then refuses to read: we refuse those forms up front.
 */
function trackPatternState(
  rule: AccessRule,
  state: { allKeys: boolean; starKeyFlags: number; otherKeyPatterns: number; allChannels: boolean },
): void {
  switch (rule.kind) {
    case 'allkeys':
      state.allKeys = true;
      return;
    case 'resetkeys':
      Object.assign(state, { allKeys: false, starKeyFlags: 0, otherKeyPatterns: 0 });
      return;
    case 'allchannels':
      state.allChannels = true;
      return;
    case 'resetchannels':
      state.allChannels = false;
      return;
    case 'keys': {
      const isAllKeysToken = rule.token === '~*';
      if (state.allKeys && !isAllKeysToken) {
        fail(rule, 'syntax', 'a key pattern after `allkeys` or `~*` has no effect: use `resetkeys` first');
      }
      if (isAllKeysToken) {
        state.allKeys = true;
        return;
      }
      if (rule.pattern === '*') {
        state.starKeyFlags |= (rule.read ? READ : 0) | (rule.write ? WRITE : 0);
      } else {
        state.otherKeyPatterns += 1;
      }
      if (state.starKeyFlags === (READ | WRITE) && state.otherKeyPatterns > 0) {
        fail(
          rule,
          'unsupported',
          'key patterns next to a read-write `*` pattern have no effect: use `~*` alone',
        );
      }
      return;
    }
    case 'channel':
      if (state.allChannels && rule.pattern !== '*') {
        fail(
          rule,
          'syntax',
          'a channel pattern after `allchannels` or `&*` has no effect: use `resetchannels` first',
        );
      }
      if (rule.pattern === '*') state.allChannels = true;
      return;
    default:
      return;
  }
}
