import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  accessStringsEquivalent,
  checkCommand,
  normalizeAccessString,
  parseAccessString,
  permissionsOf,
} from '../../../functions/core/access-string/index.js';

describe('normalizeAccessString', () => {
  it.each([
    ['on ~* +@all', 'on ~* +@all'],
    ['ALLCOMMANDS allkeys ON', 'on ~* +@all'],
    ['+@all ~*', 'off ~* +@all'],
    ['on %R~a %W~a', 'on ~a -@all'],
    ['on ~b %R~c ~a', 'on ~a ~b %R~c -@all'],
    ['on %R~* %R~a ~b', 'on %R~* ~b -@all'],
    ['on &b &a', 'on &a &b -@all'],
    ['on &a allchannels', 'on &* -@all'],
    ['on +@read', 'on -@all +@read'],
    ['on +@all -@dangerous', 'on +@all -@dangerous'],
    ['on +get +set -get', 'on -@all +set'],
    ['on +client|list +client|id', 'on -@all +client|id +client|list'],
    ['on +@all -client', 'on +@all -client'],
    ['on +auth +hello', 'on -@all'],
  ])('normalizes %p to %p', (input, expected) => {
    expect(normalizeAccessString(input)).toBe(expected);
  });

  it('states the channel reset when users start with all channels', () => {
    expect(normalizeAccessString('on resetchannels &a', { pubsubDefault: 'allchannels' })).toBe(
      'on resetchannels &a -@all',
    );
    expect(normalizeAccessString('on', { pubsubDefault: 'allchannels' })).toBe('on &* -@all');
    expect(normalizeAccessString('on resetchannels', { pubsubDefault: 'allchannels' })).toBe(
      'on resetchannels -@all',
    );
  });

  it('leaves commands blocked on ElastiCache out of the comparison, unless asked for plain Redis', () => {
    expect(normalizeAccessString('on +@all -@admin')).not.toMatch(/config|bgsave|shutdown/);
    expect(accessStringsEquivalent('on +@all', 'on +@all -config', { elasticache: false })).toBe(false);
    expect(normalizeAccessString('on -@all +@admin', { elasticache: false })).toContain('+@admin');
  });

  it('returns a string that is itself valid and normalizes to itself', () => {
    const samples = [
      'on ~* +@all -@dangerous',
      'off %R~a:* &c +@read -keys +client|list',
      'on +@slow -@admin +acl',
    ];
    for (const sample of samples) {
      const normal = normalizeAccessString(sample);
      expect(normalizeAccessString(normal)).toBe(normal);
    }
  });
});

describe('accessStringsEquivalent', () => {
  it.each([
    ['on ~* +@all', 'on allkeys allcommands'],
    ['on ~* +@all', 'ON ~* -@all +@all'],
    ['on ~a ~b +get', 'on ~b ~a -@all +GET'],
    ['on ~* +@read -@write', '~* on +@read -@write'],
    ['on +@all -get -set', 'on +@all -set -get'],
    ['on +client', 'on +@all -@all +client'],
    ['off +@all', '+@all'],
    ['on &* +@all', 'on allchannels +@all'],
  ])('treats %p and %p as the same', (a, b) => {
    expect(accessStringsEquivalent(a, b)).toBe(true);
  });

  it.each([
    ['on ~* +@all', 'off ~* +@all'],
    ['on ~* +@all', 'on ~* +@all -get'],
    ['on ~a +get', 'on %R~a +get'],
    ['on ~a +get', 'on ~b +get'],
    ['on &a +get', 'on +get'],
    ['on +client|list', 'on +client'],
    ['on +@all -get', 'on -get +@all'],
  ])('tells %p and %p apart', (a, b) => {
    expect(accessStringsEquivalent(a, b)).toBe(false);
  });

  it('agrees with the evaluator: equivalent strings decide every sampled command alike', () => {
    const token = fc.constantFrom(
      '+get',
      '-get',
      '+set',
      '+@read',
      '-@write',
      '+@all',
      '-@all',
      '+client',
      '-client|list',
      '~a*',
      '%R~b',
      '&c',
    );
    const requests = [
      { command: 'get', keys: [{ name: 'abc', read: true, write: false }] },
      { command: 'get', keys: [{ name: 'b', read: true, write: false }] },
      { command: 'set', keys: [{ name: 'b', read: false, write: true }] },
      { command: 'client|list' },
      { command: 'client|id' },
      { command: 'publish', channels: [{ name: 'c' }] },
    ];
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), fc.array(token, { maxLength: 6 }), (a, b) => {
        const [sa, sb] = [`on ${a.join(' ')}`, `on ${b.join(' ')}`];
        if (!accessStringsEquivalent(sa, sb)) return;
        const [pa, pb] = [permissionsOf(parseAccessString(sa)), permissionsOf(parseAccessString(sb))];
        for (const request of requests) {
          expect(checkCommand(pa, request).allowed).toBe(checkCommand(pb, request).allowed);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkCommand', () => {
  const check = (access: string, request: Parameters<typeof checkCommand>[1]) =>
    checkCommand(permissionsOf(parseAccessString(access)), request);

  it('denies a command the rules do not allow, naming it', () => {
    expect(check('on ~* +@read', { command: 'set' })).toEqual({
      allowed: false,
      deniedBy: 'command',
      name: 'set',
    });
  });

  it('lets everyone run AUTH, HELLO, QUIT and RESET', () => {
    expect(check('on -@all', { command: 'auth' }).allowed).toBe(true);
    expect(check('on -@all', { command: 'hello' }).allowed).toBe(true);
  });

  it('needs one pattern that grants all the access a key needs', () => {
    const rw = [{ name: 'ab', read: true, write: true }];
    expect(check('on %R~a* %W~*b +getdel', { command: 'getdel', keys: rw })).toMatchObject({
      deniedBy: 'key',
    });
    expect(check('on %R~a* %W~a* +getdel', { command: 'getdel', keys: rw }).allowed).toBe(true);
  });

  it('matches channel names as globs and subscription patterns literally', () => {
    expect(check('on &news:* +publish', { command: 'publish', channels: [{ name: 'news:1' }] }).allowed).toBe(
      true,
    );
    const psubscribe = (name: string) => ({ command: 'psubscribe', channels: [{ name, pattern: true }] });
    expect(check('on &news:* +psubscribe', psubscribe('news:*')).allowed).toBe(true);
    expect(check('on &news:* +psubscribe', psubscribe('news:1*'))).toMatchObject({ deniedBy: 'channel' });
    expect(check('on allchannels +psubscribe', psubscribe('x*')).allowed).toBe(true);
  });

  it('reports the user as off unless the string says on', () => {
    expect(permissionsOf(parseAccessString('~* +@all')).enabled).toBe(false);
    expect(permissionsOf(parseAccessString('off on')).enabled).toBe(true);
  });
});
