import { describe, expect, it } from '@jest/globals';
import {
  derivedId,
  engineOf,
  hardenDefaultUserRequestSchema,
  isLockedAccessString,
  LOCKED_ACCESS_STRING,
  otherDefaultMembers,
  planDefaultUser,
  planHardening,
  planTokenDefaultUser,
  TOKEN_CLIENT_ACCESS_STRING,
} from '../../../functions/core/rbac/default-user.js';
import { ValidationError } from '../../../functions/core/errors.js';
import type { UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { userSecretName } from '../../../functions/core/rbac/user-secret.js';
import { detailedUser as user } from './builders.js';

// The rules that keep a group's `default` user closed: each test pins one decision so that a
// changed comparison, a dropped condition or a swapped field fails here, in the unit suite
// (which is what `npm run mutate:changed` runs in CI), not only in the slower workflow suites.

const lockedDefault = (userId: string, extra: Partial<UserDetailSnapshot> = {}) =>
  user(userId, { userName: 'default', accessString: LOCKED_ACCESS_STRING, ...extra });
const tokenDefault = (userId: string, extra: Partial<UserDetailSnapshot> = {}) =>
  user(userId, { userName: 'default', accessString: TOKEN_CLIENT_ACCESS_STRING, ...extra });

/**
 * The validation error a call throws: its field, and its message without the `<field>: ` prefix
 * ValidationError adds (pinned once, below), so that both are checked.
 */
function refusal(fn: () => unknown): { field: string | undefined; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { field, message } = error as ValidationError;
    expect(message.startsWith(`${field}: `)).toBe(true);
    return { field, message: message.slice(`${field}: `.length) };
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

describe('isLockedAccessString', () => {
  it('accepts the locked string and the forms AWS rewrites it to, refuses anything that opens a door', () => {
    expect(isLockedAccessString(LOCKED_ACCESS_STRING)).toBe(true);
    expect(isLockedAccessString('off   -@all')).toBe(true);
    expect(isLockedAccessString('on -@all')).toBe(false);
    expect(isLockedAccessString('off ~* -@all')).toBe(false);
    expect(isLockedAccessString('off +@all')).toBe(false);
  });

  it('treats an access string it cannot parse as not locked (never as locked)', () => {
    expect(isLockedAccessString('off -@all +nosuchcommand')).toBe(false);
    expect(isLockedAccessString('')).toBe(false);
  });
});

describe('planDefaultUser (the locked default user)', () => {
  it('creates a new locked user named "default" with one password and its own secret', () => {
    expect(planDefaultUser('g-default', 'defaultUserId', 'valkey', [user('alice')])).toEqual({
      userId: 'g-default',
      userName: 'default',
      engine: 'valkey',
      accessString: LOCKED_ACCESS_STRING,
      secretName: userSecretName('g-default'),
      create: true,
      passwordCount: 1,
    });
  });

  it('refuses the built-in "default" user ID on the field it was given', () => {
    const error = refusal(() => planDefaultUser('default', 'myField', 'redis', []));
    expect(error.field).toBe('myField');
    expect(error.message).toBe('"default" is the built-in user; a hardened default needs another user ID');
  });

  it('reuses a locked user named "default" with that ID, keeping its password count', () => {
    const plan = planDefaultUser('g-default', 'f', 'redis', [
      user('other'),
      lockedDefault('g-default', { passwordCount: 2 }),
    ]);
    expect(plan).toMatchObject({ create: false, passwordCount: 2, userId: 'g-default' });
  });

  it('counts no passwords on a reused user that has none (no-password or IAM)', () => {
    const plan = planDefaultUser('g-default', 'f', 'redis', [
      lockedDefault('g-default', { authenticationType: 'no-password-required', passwordCount: 0 }),
    ]);
    expect(plan.passwordCount).toBe(0);
    const iam = planDefaultUser('g-default', 'f', 'redis', [
      lockedDefault('g-default', { authenticationType: 'iam', passwordCount: 3 }),
    ]);
    expect(iam.passwordCount).toBe(0);
  });

  it('refuses an existing user with that ID that is not named "default"', () => {
    const error = refusal(() =>
      planDefaultUser('g-default', 'f', 'redis', [user('g-default', { accessString: LOCKED_ACCESS_STRING })]),
    );
    expect(error.field).toBe('f');
    expect(error.message).toContain('user g-default exists and is not a locked user named "default"');
  });

  it('refuses an unlocked user named "default" with that ID (it would be reused open)', () => {
    const error = refusal(() =>
      planDefaultUser('g-default', 'f', 'redis', [
        user('g-default', { userName: 'default', accessString: 'on ~* +@all' }),
      ]),
    );
    expect(error.message).toContain(`access string "${LOCKED_ACCESS_STRING}"`);
  });

  it('refuses a locked default user that is being deleted', () => {
    const error = refusal(() =>
      planDefaultUser('g-default', 'f', 'redis', [lockedDefault('g-default', { status: 'deleting' })]),
    );
    expect(error.message).toBe('user g-default is being deleted');
    expect(error.field).toBe('f');
  });

  it('ignores users with other IDs, even locked defaults', () => {
    const plan = planDefaultUser('g-default', 'f', 'redis', [lockedDefault('h-default'), user('default')]);
    expect(plan.create).toBe(true);
  });
});

describe('planTokenDefaultUser (the default user that carries the AUTH token)', () => {
  it('creates a user named "default" with the token clients\' access and one password', () => {
    expect(planTokenDefaultUser('g-default', 'f', 'redis', [])).toEqual({
      userId: 'g-default',
      userName: 'default',
      engine: 'redis',
      accessString: TOKEN_CLIENT_ACCESS_STRING,
      secretName: userSecretName('g-default'),
      create: true,
      passwordCount: 1,
    });
  });

  it('refuses the built-in "default" user ID', () => {
    const error = refusal(() => planTokenDefaultUser('default', 'tokenField', 'redis', []));
    expect(error.field).toBe('tokenField');
    expect(error.message).toBe('"default" is the built-in user; the group needs its own default user');
  });

  it('reuses a user named "default" with the token access, in any spelling AWS returns', () => {
    const plan = planTokenDefaultUser('g-default', 'f', 'valkey', [
      tokenDefault('g-default', { accessString: 'on   ~*  &*   +@all', passwordCount: 2 }),
    ]);
    expect(plan).toMatchObject({ create: false, passwordCount: 2, engine: 'valkey' });
    const noPassword = planTokenDefaultUser('g-default', 'f', 'redis', [
      tokenDefault('g-default', { authenticationType: 'no-password-required', passwordCount: 5 }),
    ]);
    expect(noPassword.passwordCount).toBe(0);
  });

  it('refuses a same-ID user with another name or other access', () => {
    expect(
      refusal(() =>
        planTokenDefaultUser('g-default', 'f', 'redis', [
          user('g-default', { accessString: TOKEN_CLIENT_ACCESS_STRING }),
        ]),
      ).message,
    ).toContain('is not a user named "default" with the token clients\' access');
    expect(
      refusal(() => planTokenDefaultUser('g-default', 'f', 'redis', [lockedDefault('g-default')])).message,
    ).toContain(`("${TOKEN_CLIENT_ACCESS_STRING}")`);
  });

  it('ignores users with other IDs, whatever they are', () => {
    const plan = planTokenDefaultUser('g-default', 'f', 'redis', [user('alice'), tokenDefault('h-default')]);
    expect(plan.create).toBe(true);
  });

  it('refuses a token default user that is being deleted', () => {
    const error = refusal(() =>
      planTokenDefaultUser('g-default', 'f', 'redis', [tokenDefault('g-default', { status: 'deleting' })]),
    );
    expect(error.message).toBe('user g-default is being deleted');
  });
});

describe('derivedId', () => {
  it('joins base and suffix with a hyphen', () => {
    expect(derivedId('orders', 'default', 'f')).toBe('orders-default');
  });

  it('asks for an explicit ID, on the given field, when the derived one is not valid', () => {
    const error = refusal(() => derivedId('a'.repeat(40), 'default', 'defaultUserId'));
    expect(error.field).toBe('defaultUserId');
    expect(error.message).toBe(
      `"${'a'.repeat(40)}-default" is not a valid ID; give defaultUserId explicitly`,
    );
  });
});

describe('engineOf', () => {
  it('maps Valkey in any case to valkey and everything else to redis', () => {
    expect(engineOf('valkey')).toBe('valkey');
    expect(engineOf('Valkey')).toBe('valkey');
    expect(engineOf('redis')).toBe('redis');
    expect(engineOf('memcached')).toBe('redis');
  });
});

describe('planHardening', () => {
  const group = (
    extra: Partial<{ status: string; userIds: string[]; add: string[]; engine: string }> = {},
  ) => ({
    userGroupId: 'g',
    engine: extra.engine ?? 'redis',
    status: extra.status ?? 'active',
    userIds: extra.userIds ?? ['default', 'alice'],
    pendingUserIdsToAdd: extra.add ?? [],
    pendingUserIdsToRemove: [],
  });
  const request = (extra: Record<string, unknown> = {}) =>
    hardenDefaultUserRequestSchema.parse({ userGroupId: 'g', ...extra });
  const builtIn = user('default', { userName: 'default', accessString: 'on ~* +@all' });

  it('plans the swap of every other member named "default" for a new locked user', () => {
    const plan = planHardening(request({ requestedBy: 'ops', requestId: 'r-1' }), {
      userGroup: group({ engine: 'Valkey' }),
      users: [builtIn, user('alice')],
    });
    expect(plan).toEqual({
      userGroupId: 'g',
      userGroupIds: ['g'],
      defaultUser: expect.objectContaining({ userId: 'g-default', create: true, engine: 'valkey' }),
      replacedUserIds: ['default'],
      userId: 'g-default',
      requestedBy: 'ops',
      requestId: 'r-1',
    });
  });

  it('leaves requestId out when the request has none, and records the default requester', () => {
    const plan = planHardening(request(), { userGroup: group(), users: [builtIn] });
    expect(plan).not.toHaveProperty('requestId');
    expect(plan.requestedBy).toBe('cachegate');
  });

  it('uses the explicit default user ID when given', () => {
    const plan = planHardening(request({ defaultUserId: 'locked-one' }), {
      userGroup: group(),
      users: [builtIn],
    });
    expect(plan.userId).toBe('locked-one');
    expect(plan.defaultUser.userId).toBe('locked-one');
  });

  it('refuses a group that does not exist or is being deleted, on userGroupId', () => {
    const missing = refusal(() => planHardening(request(), { userGroup: undefined, users: [] }));
    expect(missing).toMatchObject({ field: 'userGroupId', message: 'user group g does not exist' });
    const deleting = refusal(() =>
      planHardening(request(), { userGroup: group({ status: 'deleting' }), users: [builtIn] }),
    );
    expect(deleting).toMatchObject({ field: 'userGroupId', message: 'user group g is being deleted' });
  });

  it('plans a group that is only modifying', () => {
    expect(
      planHardening(request(), { userGroup: group({ status: 'modifying' }), users: [builtIn] }).userId,
    ).toBe('g-default');
  });

  it('counts members named "default" that are still being added, once each', () => {
    const plan = planHardening(request(), {
      userGroup: group({ userIds: ['default', 'alice'], add: ['old-default', 'default'] }),
      users: [builtIn, user('alice'), lockedDefault('old-default')],
    });
    expect(plan.replacedUserIds).toEqual(['default', 'old-default']);
  });

  it('never replaces the new default user itself, nor members with other names', () => {
    const plan = planHardening(request(), {
      userGroup: group({ userIds: ['g-default', 'alice', 'default'] }),
      users: [lockedDefault('g-default'), user('alice'), builtIn],
    });
    expect(plan.replacedUserIds).toEqual(['default']);
    expect(plan.defaultUser.create).toBe(false);
  });

  it('refuses a new user at the account quota, and allows one below it', () => {
    const users = [builtIn, user('alice'), user('bob')];
    const atQuota = refusal(() =>
      planHardening(request(), { userGroup: group(), users, quotas: { usersPerAccount: 3 } }),
    );
    expect(atQuota).toMatchObject({
      field: 'defaultUserId',
      message: 'the account already has 3 users, the ElastiCache quota is 3',
    });
    expect(() =>
      planHardening(request(), { userGroup: group(), users, quotas: { usersPerAccount: 4 } }),
    ).not.toThrow();
  });

  it('does not count the quota when the locked default user exists already', () => {
    const users = [builtIn, lockedDefault('g-default')];
    expect(
      planHardening(request(), { userGroup: group(), users, quotas: { usersPerAccount: 2 } }).defaultUser
        .create,
    ).toBe(false);
  });

  it('applies the documented ElastiCache quota when none is given', () => {
    const users = Array.from({ length: 1000 }, (_, i) => user(`u${i}`));
    expect(refusal(() => planHardening(request(), { userGroup: group(), users })).message).toContain(
      'the ElastiCache quota is 1000',
    );
    expect(() => planHardening(request(), { userGroup: group(), users: users.slice(1) })).not.toThrow();
  });
});

describe('otherDefaultMembers', () => {
  it('lists members named "default" other than the one kept, ignoring pending additions', () => {
    const group = {
      userGroupId: 'g',
      status: 'active',
      userIds: ['default', 'keep-me', 'alice', 'old-default'],
      pendingUserIdsToAdd: ['pending-default'],
      pendingUserIdsToRemove: [],
    };
    const users = [
      { userId: 'default', userName: 'default' },
      { userId: 'keep-me', userName: 'default' },
      { userId: 'alice', userName: 'alice' },
      { userId: 'old-default', userName: 'default' },
      { userId: 'pending-default', userName: 'default' },
    ];
    expect(otherDefaultMembers(group, 'keep-me', users)).toEqual(['default', 'old-default']);
  });
});
