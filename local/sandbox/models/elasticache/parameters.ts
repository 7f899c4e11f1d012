import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
} from '@aws-sdk/client-elasticache';
import { serviceFault } from '../../service-error.js';

/**
 * ElastiCache's parameter rules for RBAC calls, as documented: identifiers, engines, the 1–2
 * password list and the authentication mode. Messages never contain a password.
 */

/** User IDs and user group IDs: a letter first, letters/digits/hyphens, no `--`, no trailing `-`. */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
const MAX_PASSWORDS = 2;

export type Engine = 'redis' | 'valkey';

/**
 * Returns the ID as AWS stores it: lower case (CreateUser / CreateUserGroup reference: "This
 * value is stored as a lowercase string").
 */
export function checkIdentifier(kind: 'UserId' | 'UserGroupId', value: unknown): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value) || value.includes('--') || value.endsWith('-')) {
    throw serviceFault(
      InvalidParameterValueException,
      `${kind} must be 1-40 letters, digits or hyphens, begin with a letter, and contain no two consecutive hyphens or a trailing hyphen.`,
    );
  }
  return value.toLowerCase();
}

export function checkUserName(value: unknown): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > 120 || /\s/.test(value)) {
    throw serviceFault(
      InvalidParameterValueException,
      'UserName must be 1-120 characters without whitespace.',
    );
  }
  return value;
}

export function checkEngine(value: unknown): Engine {
  const engine = typeof value === 'string' ? value.toLowerCase() : '';
  if (engine !== 'redis' && engine !== 'valkey') {
    throw serviceFault(InvalidParameterValueException, 'Engine must be redis or valkey.');
  }
  return engine;
}

export type Authentication =
  { type: 'password'; passwords: string[] } | { type: 'no-password' } | { type: 'iam' };

interface AuthenticationInput {
  Passwords?: string[];
  NoPasswordRequired?: boolean;
  AuthenticationMode?: { Type?: string; Passwords?: string[] };
}

/**
 * Resolves `Passwords` / `NoPasswordRequired` / `AuthenticationMode` into one authentication.
 * `undefined` when none was given (ModifyUser then keeps the current one).
 */
export function resolveAuthentication(
  input: AuthenticationInput,
  checkPassword: (password: string) => string | undefined,
): Authentication | undefined {
  const mode = input.AuthenticationMode;
  const legacyGiven = input.Passwords !== undefined || input.NoPasswordRequired !== undefined;
  if (mode && legacyGiven) {
    throw serviceFault(
      InvalidParameterCombinationException,
      'AuthenticationMode cannot be combined with Passwords or NoPasswordRequired.',
    );
  }
  if (input.NoPasswordRequired && input.Passwords !== undefined) {
    throw serviceFault(
      InvalidParameterCombinationException,
      'Passwords cannot be provided when NoPasswordRequired is true.',
    );
  }
  if (mode) {
    if (mode.Type === 'iam' || mode.Type === 'no-password-required') {
      if (mode.Passwords !== undefined) {
        throw serviceFault(
          InvalidParameterCombinationException,
          `Passwords are not allowed with authentication type ${mode.Type}.`,
        );
      }
      return mode.Type === 'iam' ? { type: 'iam' } : { type: 'no-password' };
    }
    if (mode.Type !== 'password') {
      throw serviceFault(
        InvalidParameterValueException,
        'AuthenticationMode.Type must be password, no-password-required or iam.',
      );
    }
    return { type: 'password', passwords: checkPasswords(mode.Passwords, checkPassword) };
  }
  if (input.NoPasswordRequired) return { type: 'no-password' };
  if (input.Passwords !== undefined)
    return { type: 'password', passwords: checkPasswords(input.Passwords, checkPassword) };
  return undefined;
}

function checkPasswords(
  passwords: string[] | undefined,
  checkPassword: (password: string) => string | undefined,
): string[] {
  if (!passwords || passwords.length === 0) {
    // moto answers with AWS's own wording and fault here (the differential suite pins it).
    throw serviceFault(
      InvalidParameterCombinationException,
      'A user with Authentication Mode: password, must have at least one password.',
    );
  }
  if (passwords.length > MAX_PASSWORDS) {
    throw serviceFault(
      InvalidParameterValueException,
      `Passwords must hold 1 to ${MAX_PASSWORDS} passwords.`,
    );
  }
  passwords.forEach((password, index) => {
    const reason = checkPassword(password);
    // The reason comes from the policy and describes the rule broken, never the value.
    if (reason)
      throw serviceFault(InvalidParameterValueException, `Passwords[${index}] is invalid: ${reason}`);
  });
  if (new Set(passwords).size !== passwords.length) {
    throw serviceFault(InvalidParameterValueException, 'Passwords must not contain the same password twice.');
  }
  return [...passwords];
}
