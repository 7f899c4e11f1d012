import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../functions/core/errors.js';
import {
  CACHE_SERVICE_NAMES,
  cacheServiceSchema,
  elastiCacheOnlyServiceSchema,
  parseCacheServiceOption,
} from '../../../functions/core/rbac/cache-service.js';
import { clientRequestToken } from '../../../functions/core/rbac/client-request-token.js';
import { rbacIdentifier } from '../../../functions/core/rbac/identifier.js';

const issues = (id: string) => rbacIdentifier.safeParse(id).error?.issues.map((issue) => issue.message) ?? [];

describe('rbacIdentifier (user, user group and replication group IDs)', () => {
  it('accepts 1-40 lower-case letters, digits and single hyphens, starting with a letter', () => {
    for (const id of ['a', 'orders-app', 'a1-b2-c3', `a${'b'.repeat(39)}`]) expect(issues(id)).toEqual([]);
  });

  it('refuses "--" anywhere and a trailing hyphen, and only those', () => {
    const rule = 'must not contain "--" or end with "-"';
    expect(issues('orders--app')).toEqual([rule]);
    expect(issues('orders-')).toEqual([rule]);
    expect(issues('orders-app-')).toEqual([rule]);
    expect(issues('o-r-d-e-r-s')).toEqual([]);
  });

  it('refuses upper case with exactly one custom issue naming the spelling AWS would store', () => {
    const parsed = rbacIdentifier.safeParse('Orders-App');
    expect(parsed.error?.issues).toEqual([
      {
        code: 'custom',
        path: [],
        message: 'must be lower case (AWS stores these IDs in lower case): use orders-app',
      },
    ]);
  });

  it('refuses a leading digit or hyphen, other characters and a 41st character', () => {
    const shape = 'must be 1-40 letters, digits or hyphens, starting with a letter';
    for (const id of ['1orders', '-orders', 'orders_app', 'orders app', '', `a${'b'.repeat(40)}`]) {
      expect(issues(id)).toContain(shape);
    }
  });
});

describe('clientRequestToken', () => {
  it('is the same for the same parts, and a UUID in layout (version 5, RFC variant)', () => {
    const token = clientRequestToken('exec-1', 'orders-app');
    expect(token).toBe(clientRequestToken('exec-1', 'orders-app'));
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is the SHA-256 of the length-prefixed parts, laid out as a UUID', () => {
    // sha256("6:exec-1|10:orders-app"), computed independently of the code under test.
    expect(clientRequestToken('exec-1', 'orders-app')).toBe(expectedToken('6:exec-1|10:orders-app'));
  });

  it('differs when the parts differ, even when they join to the same text', () => {
    const tokens = new Set([
      clientRequestToken('exec-1', 'orders-app'),
      clientRequestToken('exec-1', 'orders-ap'),
      clientRequestToken('exec-1|orders-app'),
      clientRequestToken('exec-1|', 'orders-app'),
      clientRequestToken('exec-', '1orders-app'),
      clientRequestToken('orders-app', 'exec-1'),
    ]);
    expect(tokens.size).toBe(6);
  });

  it('sets the variant bits whatever the digest has there', () => {
    // Over many inputs every hex digit 0-f appears at the variant position of the digest.
    const variants = new Set<string>();
    for (let i = 0; i < 200; i++) variants.add(clientRequestToken(`run-${i}`).charAt(19));
    expect([...variants].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});

// The expected layout written out from the digest with node:crypto, separately from the code.
function expectedToken(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variantNibble = (parseInt(hex[16]!, 16) % 4) + 8;
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variantNibble.toString(16)}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

describe('cache services', () => {
  it('default to ElastiCache, and name each service for messages', () => {
    expect(cacheServiceSchema.parse(undefined)).toBe('elasticache');
    expect(cacheServiceSchema.parse('memorydb')).toBe('memorydb');
    expect(cacheServiceSchema.safeParse('redis').success).toBe(false);
    expect(CACHE_SERVICE_NAMES).toEqual({ elasticache: 'ElastiCache', memorydb: 'MemoryDB' });
  });

  it('read a --service flag: absent means ElastiCache, anything unknown names the flag', () => {
    expect(parseCacheServiceOption(undefined)).toBe('elasticache');
    expect(parseCacheServiceOption('elasticache')).toBe('elasticache');
    expect(parseCacheServiceOption('memorydb')).toBe('memorydb');
    expect(() => parseCacheServiceOption('valkey')).toThrow(
      new ValidationError('must be elasticache or memorydb', '--service'),
    );
    let thrown: unknown;
    try {
      parseCacheServiceOption('MemoryDB', '--target-service');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      field: '--target-service',
      message: '--target-service: must be elasticache or memorydb',
    });
  });

  it('refuse MemoryDB where only ElastiCache exists (harden-default-user), saying what to run instead', () => {
    expect(elastiCacheOnlyServiceSchema.parse(undefined)).toBe('elasticache');
    expect(elastiCacheOnlyServiceSchema.safeParse('memorydb').error?.issues[0]?.message).toBe(
      'only elasticache: MemoryDB ACLs need no default user (to move a cluster off open-access, run migrate-to-rbac with service memorydb)',
    );
  });
});
