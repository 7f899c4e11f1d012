import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../../functions/core/errors.js';
import {
  AccessStringError,
  REDIS_OSS_7_0_CATALOG,
  allCatalogs,
  catalogFor,
  checkCommand,
  normalizeAccessString,
  parseAccessString,
  permissionsOf,
  type EngineTarget,
} from '../../../functions/core/access-string/index.js';

const REDIS_7_0: EngineTarget = { engine: 'redis', engineVersion: '7.0' };
const VALKEY_7_2: EngineTarget = { engine: 'valkey', engineVersion: '7.2' };
const VALKEY_8_0: EngineTarget = { engine: 'valkey', engineVersion: '8.0' };

function refusal(accessString: string, engine: EngineTarget): AccessStringError | undefined {
  try {
    parseAccessString(accessString, { engine });
    return undefined;
  } catch (error) {
    if (error instanceof AccessStringError) return error;
    throw error;
  }
}

/** Names in `catalog` that Redis OSS 7.0 does not have. */
function onlyIn(engine: EngineTarget): string[] {
  return catalogFor(engine).data.commands.filter((name) => !REDIS_OSS_7_0_CATALOG.isKnownCommand(name));
}

describe('command catalogs per engine and version', () => {
  it('picks the newest catalog of the engine not newer than the cache', () => {
    const label = (target: EngineTarget) => catalogFor(target).label;
    expect(label({ engine: 'redis', engineVersion: '6.2' })).toBe('redis 7.0');
    expect(label({ engine: 'redis', engineVersion: '7.1' })).toBe('redis 7.0');
    expect(label({ engine: 'valkey', engineVersion: '7.2.6' })).toBe('valkey 7.2');
    expect(label({ engine: 'valkey', engineVersion: '8.0' })).toBe('valkey 8.0');
    expect(label({ engine: 'valkey', engineVersion: '8.1' })).toBe('valkey 8.0');
    expect(label({ engine: 'valkey' })).toBe('valkey 8.0');
    expect(label({ engine: 'redis' })).toBe('redis 7.0');
  });

  it('refuses an engine or version it has no catalog for, naming the field', () => {
    expect(() => catalogFor({ engine: 'memcached' as 'redis' })).toThrow(
      new ValidationError('must be redis or valkey, not "memcached"', 'engine'),
    );
    expect(() => catalogFor({ engine: 'valkey', engineVersion: 'latest' })).toThrow(ValidationError);
  });

  it('the Valkey catalogs hold the commands Valkey added, by release', () => {
    // From the Valkey 7.2 / 8.0 release notes (Redis OSS 7.2 additions that Valkey 7.2 inherited,
    // then Valkey 8.0's own); an independent list, so a generator that drops files fails here.
    expect(onlyIn(VALKEY_7_2).sort()).toEqual([
      'client|no-touch',
      'client|setinfo',
      'cluster|myshardid',
      'waitaof',
    ]);
    expect(onlyIn(VALKEY_8_0).sort()).toEqual([
      'client|capa',
      'client|no-touch',
      'client|setinfo',
      'cluster|myshardid',
      'cluster|slot-stats',
      'script|show',
      'waitaof',
    ]);
  });

  it('every catalog is consistent: categories name only its commands, containers have subcommands', () => {
    for (const catalog of allCatalogs()) {
      const names = new Set(catalog.data.commands);
      for (const [category, members] of Object.entries(catalog.data.categories)) {
        for (const member of members) expect(`${category}:${names.has(member)}`).toBe(`${category}:true`);
      }
      expect(catalog.categoryNames).toEqual(REDIS_OSS_7_0_CATALOG.categoryNames);
      expect(catalog.data.noAuthCommands).toEqual(['auth', 'hello', 'quit', 'reset']);
      expect(catalog.leafCommands.length).toBeGreaterThan(300);
    }
  });
});

describe('access-string differential: Valkey against Redis OSS 7.0', () => {
  const valkeyOnly = onlyIn(VALKEY_8_0);

  it.each(valkeyOnly.flatMap((name) => [`+${name}`, `-${name}`]))(
    '%s is accepted for valkey 8.0 and refused as unknown for redis 7.0',
    (rule) => {
      expect(refusal(`on ~* -@all ${rule}`, VALKEY_8_0)).toBeUndefined();
      expect(refusal(`on ~* -@all ${rule}`, REDIS_7_0)).toMatchObject({
        reason: 'unknown-name',
        tokenIndex: 4,
      });
      expect(refusal(`on ~* -@all ${rule}`, REDIS_7_0)?.message).toContain('for redis 7.0');
    },
  );

  it('a Valkey 8.0 addition is refused for a Valkey 7.2 cache', () => {
    for (const name of ['client|capa', 'cluster|slot-stats', 'script|show']) {
      expect(refusal(`on +${name}`, VALKEY_7_2)).toMatchObject({ reason: 'unknown-name' });
      expect(refusal(`on +${name}`, VALKEY_8_0)).toBeUndefined();
    }
  });

  it.each([
    '+notacommand',
    '+client|nosuch',
    '-cluster|no-such-sub',
    '+commandlog',
    '+hgetex',
    '+@nosuchcategory',
  ])('an unknown name (%s) is refused for both engines', (rule) => {
    for (const engine of [REDIS_7_0, VALKEY_7_2, VALKEY_8_0]) {
      expect(refusal(`on ${rule}`, engine)).toMatchObject({ reason: 'unknown-name' });
    }
  });

  it('restricted commands stay refused on Valkey', () => {
    for (const rule of ['+config', '+acl|setuser', '+cluster|setslot', '-debug']) {
      expect(refusal(`on ${rule}`, VALKEY_8_0)).toMatchObject({ reason: 'elasticache' });
    }
  });

  it('categories switch what the engine puts in them (Valkey adds wait to @blocking)', () => {
    const valkey = permissionsOf(parseAccessString('on ~* -@all +@blocking', { engine: VALKEY_8_0 }));
    const redis = permissionsOf(parseAccessString('on ~* -@all +@blocking', { engine: REDIS_7_0 }));
    expect(checkCommand(valkey, { command: 'wait' })).toEqual({ allowed: true });
    expect(checkCommand(valkey, { command: 'waitaof' })).toEqual({ allowed: true });
    expect(checkCommand(redis, { command: 'wait' })).toMatchObject({ allowed: false, deniedBy: 'command' });
  });

  it('normalizes against the engine catalog: +@all covers the Valkey-only commands', () => {
    expect(normalizeAccessString('on ~* &* +@all -waitaof', { engine: VALKEY_8_0 })).toBe(
      'on ~* &* +@all -waitaof',
    );
    expect(normalizeAccessString('on ~* &* -@all +@connection', { engine: VALKEY_8_0 })).toContain(
      '+@connection',
    );
    expect(
      normalizeAccessString('on ~* -@all +client|capa +client|setinfo +client|no-touch', {
        engine: VALKEY_8_0,
      }),
    ).toBe('on ~* -@all +client|capa +client|no-touch +client|setinfo');
  });
});

describe('scripts/command-catalog.mjs', () => {
  const definitions: Record<string, unknown> = {
    'get.json': { GET: { group: 'string', command_flags: ['READONLY', 'FAST'], acl_categories: ['STRING'] } },
    'client.json': { CLIENT: { group: 'connection', command_flags: ['SENTINEL'] } },
    'client-capa.json': {
      CAPA: { container: 'CLIENT', command_flags: ['NOSCRIPT'], acl_categories: ['CONNECTION'] },
    },
    'eval_ro.json': { EVAL_RO: { command_flags: ['READONLY', 'NOSCRIPT'], acl_categories: ['SCRIPTING'] } },
    'flushall.json': { FLUSHALL: { command_flags: ['WRITE'], acl_categories: ['KEYSPACE', 'DANGEROUS'] } },
    'auth.json': {
      AUTH: { command_flags: ['NOSCRIPT', 'NO_AUTH', 'FAST', 'SENTINEL'], acl_categories: ['CONNECTION'] },
    },
    'waitaof.json': { WAITAOF: { command_flags: ['BLOCKING'], acl_categories: ['CONNECTION'] } },
    'sentinel-ckquorum.json': {
      CKQUORUM: { container: 'SENTINEL', command_flags: ['ADMIN', 'ONLY_SENTINEL'] },
    },
    'config.json': { CONFIG: { command_flags: ['ADMIN'] } },
  };

  it('derives categories as the server does (setImplicitACLCategories) and drops sentinel-only commands', () => {
    const dir = mkdtempSync(join(tmpdir(), 'commands-'));
    for (const [name, definition] of Object.entries(definitions))
      writeFileSync(join(dir, name), JSON.stringify(definition));
    const catalog = JSON.parse(
      execFileSync(process.execPath, ['scripts/command-catalog.mjs', '--dir', dir, '--json'], {
        encoding: 'utf8',
      }),
    ) as { commands: string[]; noAuthCommands: string[]; categories: Record<string, string[]> };
    expect(catalog.commands).toEqual([
      'auth',
      'client',
      'client|capa',
      'config',
      'eval_ro',
      'flushall',
      'get',
      'waitaof',
    ]);
    expect(catalog.noAuthCommands).toEqual(['auth']);
    const { categories } = catalog;
    expect(categories.read).toEqual(['get']); // not eval_ro: READONLY scripting stays out of @read
    expect(categories.fast).toEqual(['auth', 'get']);
    expect(categories.slow).toEqual(['client', 'client|capa', 'config', 'eval_ro', 'flushall', 'waitaof']);
    expect(categories.admin).toEqual(['config']);
    expect(categories.dangerous).toEqual(['config', 'flushall']);
    expect(categories.write).toEqual(['flushall']);
    expect(categories.blocking).toEqual(['waitaof']);
    expect(categories.connection).toEqual(['auth', 'client|capa', 'waitaof']);
    expect(Object.keys(categories)).toEqual(REDIS_OSS_7_0_CATALOG.categoryNames);
  });
});
