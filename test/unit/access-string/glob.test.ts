import { describe, expect, it } from '@jest/globals';
import { redisGlobMatch } from '../../../functions/core/access-string/index.js';

describe('redisGlobMatch (Redis stringmatchlen)', () => {
  it.each<[string, string, boolean]>([
    // Redis quirk: no pattern but the empty one matches the empty key name.
    ['*', '', false],
    ['**', '', false],
    ['*', 'anything', true],
    ['', '', true],
    ['', 'a', false],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ba', false],
    ['*b', 'aab', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['?', 'a', true],
    ['?', '', false],
    ['?', 'ab', false],
    ['[ab]', 'a', true],
    ['[ab]', 'c', false],
    ['[^ab]', 'c', true],
    ['[^ab]', 'a', false],
    ['[a-c]x', 'bx', true],
    ['[c-a]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['[\\]]', ']', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a\\', 'a\\', true],
    ['[ab', 'a', true],
    ['[ab', 'b', true],
    ['user:*:name', 'user:42:name', true],
    ['é*', 'été', true],
  ])('%p matches %p: %p', (pattern, subject, expected) => {
    expect(redisGlobMatch(pattern, subject)).toBe(expected);
  });

  it('gives up quickly on patterns with many stars', () => {
    const started = performance.now();
    expect(redisGlobMatch('a*'.repeat(30) + 'b', 'a'.repeat(200))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
