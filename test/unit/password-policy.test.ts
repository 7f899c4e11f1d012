import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ValidationError } from '../../functions/core/errors.js';
import {
  PASSWORD_ALPHABET,
  PASSWORD_FORBIDDEN_CHARACTERS,
  assertValidPassword,
  generatePassword,
  validatePassword,
} from '../../functions/core/password-policy.js';

const VALID_BASE = 'Abcdefgh12345678';

describe('password policy', () => {
  it('has an alphabet of printable ASCII without space and the forbidden characters', () => {
    expect(PASSWORD_ALPHABET).toHaveLength(94 - 5);
    for (const c of PASSWORD_ALPHABET) {
      expect(c.charCodeAt(0)).toBeGreaterThanOrEqual(33);
      expect(c.charCodeAt(0)).toBeLessThanOrEqual(126);
      expect(PASSWORD_FORBIDDEN_CHARACTERS).not.toContain(c);
    }
    expect(PASSWORD_ALPHABET).not.toMatch(/[,"/@%]/);
  });

  it('generates 64-character passwords by default', () => {
    expect(generatePassword()).toHaveLength(64);
  });

  it('always generates valid passwords of the asked length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 128 }), (length) => {
        const password = generatePassword({ length });
        expect(password).toHaveLength(length);
        expect(validatePassword(password)).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
  });

  it.each([0, 15, 129, 16.5, Number.NaN])('refuses to generate a password of length %p', (length) => {
    expect(() => generatePassword({ length })).toThrow(ValidationError);
  });

  it('covers the whole alphabet, close to uniformly, over many samples', () => {
    const counts = new Map<string, number>();
    const samples = 400;
    for (let i = 0; i < samples; i += 1) {
      for (const c of generatePassword({ length: 128 })) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toEqual([...PASSWORD_ALPHABET].sort().join(''));
    // 51,200 draws over 89 characters: about 575 each, standard deviation about 24.
    const expected = (samples * 128) / PASSWORD_ALPHABET.length;
    for (const count of counts.values()) {
      expect(Math.abs(count - expected)).toBeLessThan(expected * 0.25);
    }
  });

  it('accepts passwords of 16 and 128 characters', () => {
    expect(validatePassword('a'.repeat(16))).toEqual({ ok: true });
    expect(validatePassword('a'.repeat(128))).toEqual({ ok: true });
  });

  it.each([0, 15, 129])('rejects a password of %p characters', (length) => {
    expect(validatePassword('a'.repeat(length))).toEqual({
      ok: false,
      reason: 'must be 16 to 128 characters long',
    });
  });

  // The documented list, written out: dropping a character from the production list must fail here.
  it.each([',', '"', '/', '@', '%'])('rejects a password containing %p, naming the character', (c) => {
    const check = validatePassword(`${VALID_BASE}${c}x`);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toContain(JSON.stringify(c));
  });

  it.each([
    ['a space', ' '],
    ['a tab', '\t'],
    ['a newline', '\n'],
  ])('rejects a password containing %s', (_name, c) => {
    expect(validatePassword(`${VALID_BASE}${c}x`)).toEqual({
      ok: false,
      reason: 'must not contain whitespace',
    });
  });

  it.each([
    ['a control character', '\u0007'],
    ['DEL', '\u007f'],
    ['a non-ASCII letter', 'é'],
    ['an emoji', '🔑'],
  ])('rejects a password containing %s', (_name, c) => {
    expect(validatePassword(`${VALID_BASE}${c}x`)).toEqual({
      ok: false,
      reason: 'must contain only printable ASCII characters (codes 33 to 126)',
    });
  });

  it('never includes the password in the reason', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 12, maxLength: 140, unit: 'binary' }), (password) => {
        const check = validatePassword(password);
        if (!check.ok) expect(check.reason).not.toContain(password);
      }),
      { numRuns: 500 },
    );
  });

  it('throws a ValidationError naming the field, without the password', () => {
    const password = `${VALID_BASE}@secret`;
    expect(() => assertValidPassword(password, 'newPassword')).toThrow(ValidationError);
    try {
      assertValidPassword(password, 'newPassword');
    } catch (error) {
      expect((error as ValidationError).field).toBe('newPassword');
      expect((error as Error).message).toMatch(/^newPassword: /);
      expect((error as Error).message).not.toContain('secret');
    }
    expect(() => assertValidPassword(generatePassword())).not.toThrow();
  });
});
