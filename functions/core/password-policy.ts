/**
 * ElastiCache/MemoryDB user passwords: 16–128 printable ASCII characters (33–126), none of
 * `,` `"` `/` `@`, and no `%` (AUTH tokens refuse it, so one rule serves both). Reasons never
 * quote the password (safety rule 1).
 */
import { randomInt } from 'node:crypto';
import { ValidationError } from './errors.js';

export const PASSWORD_MIN_LENGTH = 16;
export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_DEFAULT_LENGTH = 64;
export const PASSWORD_FORBIDDEN_CHARACTERS: readonly string[] = [',', '"', '/', '@', '%'];

/** Every character a password may hold, in code point order. */
export const PASSWORD_ALPHABET: string = Array.from({ length: 126 - 33 + 1 }, (_, i) =>
  String.fromCharCode(33 + i),
)
  .filter((c) => !PASSWORD_FORBIDDEN_CHARACTERS.includes(c))
  .join('');

export type PasswordCheck = { ok: true } | { ok: false; reason: string };

export function generatePassword(options: { length?: number } = {}): string {
  const length = options.length ?? PASSWORD_DEFAULT_LENGTH;
  const lengthProblem = checkLength(length);
  if (lengthProblem !== undefined) throw new ValidationError(lengthProblem, 'length');
  let password = '';
  // randomInt draws uniformly (rejection sampling), so every character is equally likely.
  for (let i = 0; i < length; i += 1) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

export function validatePassword(password: string): PasswordCheck {
  if (typeof password !== 'string') return { ok: false, reason: 'must be a string' };
  const lengthProblem = checkLength(password.length);
  if (lengthProblem !== undefined) return { ok: false, reason: lengthProblem };
  for (const character of password) {
    const code = character.codePointAt(0) ?? 0;
    if (/\s/u.test(character)) return { ok: false, reason: 'must not contain whitespace' };
    if (code < 33 || code > 126) {
      return { ok: false, reason: 'must contain only printable ASCII characters (codes 33 to 126)' };
    }
    if (PASSWORD_FORBIDDEN_CHARACTERS.includes(character)) {
      return { ok: false, reason: `must not contain ${JSON.stringify(character)} (forbidden: , " / @ %)` };
    }
  }
  return { ok: true };
}

export function assertValidPassword(password: string, field = 'password'): void {
  const check = validatePassword(password);
  if (!check.ok) throw new ValidationError(check.reason, field);
}

function checkLength(length: number): string | undefined {
  if (!Number.isInteger(length) || length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`;
  }
  return undefined;
}
