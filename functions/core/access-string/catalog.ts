/**
 * Command catalogs per engine and version: which commands, subcommands and ACL categories an
 * access string may name, and which leaf commands each rule switches. Redis OSS 7.0 comes from a
 * live redis-server (redis-catalog.ts); Valkey from its own command definitions
 * (valkey-*-catalog.ts, scripts/command-catalog.mjs). How a cache's version picks one:
 * docs/access-strings.md, "Engines".
 */
import { ValidationError } from '../errors.js';
import {
  REDIS_CATALOG_VERSION,
  REDIS_CATEGORIES,
  REDIS_COMMANDS,
  REDIS_NO_AUTH_COMMANDS,
} from './redis-catalog.js';
import { CATALOG as VALKEY_7_2 } from './valkey-7.2-catalog.js';
import { CATALOG as VALKEY_8_0 } from './valkey-8.0-catalog.js';

/** ElastiCache's engine names (`Engine` of users, groups and caches). */
export type CacheEngine = 'redis' | 'valkey';

export interface CatalogData {
  readonly engine: CacheEngine;
  /** `major.minor` the catalog stands for. */
  readonly version: string;
  /** Where the data was read from (release and commit). */
  readonly source: string;
  /** Every command, subcommands as `container|sub`, sorted. */
  readonly commands: readonly string[];
  /** Commands flagged `no_auth`: every user may run them, whatever the ACL rules say. */
  readonly noAuthCommands: readonly string[];
  /** `ACL CAT <category>` for every category, in `ACL CAT` order. */
  readonly categories: Readonly<Record<string, readonly string[]>>;
}

/** The engine of a target cache; `engineVersion` as ElastiCache reports it (`7.2`, `8.0.1`). */
export interface EngineTarget {
  readonly engine: CacheEngine;
  readonly engineVersion?: string;
}

/**
 * The first engine versions with RBAC (ElastiCache RBAC guide): the version to assume for a cache
 * whose exact version is not known, so that only commands every RBAC-capable version has pass.
 */
export const RBAC_MINIMUM_ENGINE_VERSION: Readonly<Record<CacheEngine, string>> = {
  redis: '6.0',
  valkey: '7.2',
};

export class CommandCatalog {
  /**
   * Commands a permission bit exists for: plain commands and each subcommand. A container
   * (`client`, `acl`...) is never run on its own, so it has no bit of its own here.
   */
  readonly leafCommands: readonly string[];
  /** Top-level commands (containers included), in catalog order. */
  readonly topLevelCommands: readonly string[];
  readonly categoryNames: readonly string[];
  private readonly containers = new Map<string, string[]>();
  private readonly names: ReadonlySet<string>;
  private readonly noAuth: ReadonlySet<string>;

  constructor(readonly data: CatalogData) {
    for (const name of data.commands) {
      const bar = name.indexOf('|');
      if (bar < 0) continue;
      const container = name.slice(0, bar);
      this.containers.set(container, [...(this.containers.get(container) ?? []), name]);
    }
    this.names = new Set(data.commands);
    this.noAuth = new Set(data.noAuthCommands);
    this.leafCommands = data.commands.filter((name) => !this.containers.has(name));
    this.topLevelCommands = data.commands.filter((name) => !name.includes('|'));
    this.categoryNames = Object.keys(data.categories);
  }

  /** `redis 7.0`, `valkey 8.0`: how errors and the CLI name the catalog. */
  get label(): string {
    return `${this.data.engine} ${this.data.version}`;
  }

  /** AUTH, HELLO, QUIT, RESET: every user may run them, so no rule changes anything for them. */
  isAlwaysAllowed(command: string): boolean {
    return this.noAuth.has(command);
  }

  isKnownCommand(name: string): boolean {
    return this.names.has(name);
  }

  isKnownCategory(name: string): boolean {
    return name === 'all' || Object.hasOwn(this.data.categories, name);
  }

  hasSubcommands(command: string): boolean {
    return this.containers.has(command);
  }

  /** The leaf commands a `+name`/`-name` rule switches: a container switches all its subcommands. */
  leavesOf(name: string): readonly string[] {
    return this.containers.get(name) ?? [name];
  }

  /** The leaf commands a `+@category`/`-@category` rule switches. */
  leavesOfCategory(category: string): readonly string[] {
    if (category === 'all') return this.leafCommands;
    return [...new Set((this.data.categories[category] ?? []).flatMap((name) => this.leavesOf(name)))];
  }
}

export const REDIS_OSS_7_0_CATALOG = new CommandCatalog({
  engine: 'redis',
  version: '7.0',
  source: `redis-server ${REDIS_CATALOG_VERSION}`,
  commands: REDIS_COMMANDS,
  noAuthCommands: REDIS_NO_AUTH_COMMANDS,
  categories: REDIS_CATEGORIES,
});

/** Oldest first within each engine. */
const CATALOGS: readonly CommandCatalog[] = [
  REDIS_OSS_7_0_CATALOG,
  new CommandCatalog(VALKEY_7_2),
  new CommandCatalog(VALKEY_8_0),
];

/**
 * The catalog for a cache: the newest one of its engine not newer than its version. Engines only
 * add commands between minor versions, so a newer cache (Valkey 8.1) is checked against the
 * commands it surely has, and a command it added is refused rather than guessed. Redis OSS before
 * 7.0 (RBAC exists from 6.0) and ElastiCache's Redis OSS 7.1, documented as compatible with 7.0,
 * use the 7.0 catalog. No version: the newest catalog of the engine.
 */
export function catalogFor(target: EngineTarget): CommandCatalog {
  const ofEngine = CATALOGS.filter((catalog) => catalog.data.engine === target.engine);
  if (ofEngine.length === 0) {
    throw new ValidationError(`must be redis or valkey, not "${String(target.engine)}"`, 'engine');
  }
  if (target.engineVersion === undefined) return ofEngine[ofEngine.length - 1]!;
  const wanted = majorMinor(target.engineVersion);
  if (wanted === undefined) {
    throw new ValidationError(`"${target.engineVersion}" is not major.minor[.patch]`, 'engineVersion');
  }
  const fitting = ofEngine.filter(
    (catalog) => compareVersions(majorMinor(catalog.data.version)!, wanted) <= 0,
  );
  return fitting[fitting.length - 1] ?? ofEngine[0]!;
}

/** Every shipped catalog, oldest first within each engine. */
export function allCatalogs(): readonly CommandCatalog[] {
  return CATALOGS;
}

/**
 * Whether a cache's engine version has RBAC at all: RBAC_MINIMUM_ENGINE_VERSION or later
 * (`6.2.6` has, `5.0.6` has not). A version that is not `major.minor[.patch]` has not.
 */
export function supportsRbac(target: Required<EngineTarget>): boolean {
  const have = majorMinor(target.engineVersion);
  const need = majorMinor(RBAC_MINIMUM_ENGINE_VERSION[target.engine]);
  return have !== undefined && need !== undefined && compareVersions(have, need) >= 0;
}

function majorMinor(version: string): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
  return match === null ? undefined : [Number(match[1]), Number(match[2])];
}

function compareVersions(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
