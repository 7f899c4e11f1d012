/**
 * ElastiCache AUTH tokens (the replication group's `AuthToken`): 16–128 printable characters,
 * and the only non-alphanumeric characters allowed are `! & # $ ^ < > -` (the ElastiCache
 * "Authenticating with AUTH" page) — stricter than RBAC user passwords, so every valid token is
 * also a valid user password (migrate-to-rbac gives the token to the group's `default` user).
 * Reasons never quote the token (safety rule 1 in docs/architecture.md: no secret in an error).
 */
import { randomInt } from 'node:crypto';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, type PasswordCheck } from './password-policy.js';

export const AUTH_TOKEN_SPECIAL_CHARACTERS: readonly string[] = ['!', '&', '#', '$', '^', '<', '>', '-'];
export const AUTH_TOKEN_DEFAULT_LENGTH = 64;

const ALPHANUMERIC = /^[A-Za-z0-9]$/;

/** Every character a token may hold. */
export const AUTH_TOKEN_ALPHABET: string =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' + AUTH_TOKEN_SPECIAL_CHARACTERS.join('');

export function generateAuthToken(length = AUTH_TOKEN_DEFAULT_LENGTH): string {
  let token = '';
  for (let i = 0; i < length; i += 1) token += AUTH_TOKEN_ALPHABET[randomInt(AUTH_TOKEN_ALPHABET.length)];
  return token;
}

export function validateAuthToken(token: unknown): PasswordCheck {
  if (typeof token !== 'string') return { ok: false, reason: 'must be a string' };
  if (token.length < PASSWORD_MIN_LENGTH || token.length > PASSWORD_MAX_LENGTH) {
    return { ok: false, reason: `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long` };
  }
  for (const character of token) {
    if (!ALPHANUMERIC.test(character) && !AUTH_TOKEN_SPECIAL_CHARACTERS.includes(character)) {
      return {
        ok: false,
        reason: 'may contain only letters, digits and the characters ! & # $ ^ < > -',
      };
    }
  }
  return { ok: true };
}
