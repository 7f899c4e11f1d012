import { describe, expect, it } from '@jest/globals';
import {
  defaultUserSwapConvergence,
  holdsExactly,
  replicationGroupConvergence,
  userGroupConvergence,
} from '../../../functions/core/rbac/convergence.js';
import {
  hardenDefaultUserRequestSchema,
  isLockedAccessString,
  planHardening,
} from '../../../functions/core/rbac/default-user.js';
import { migrateToRbacRequestSchema, planMigration } from '../../../functions/core/rbac/migration.js';
import { onboardUserRequestSchema, planOnboarding } from '../../../functions/core/rbac/onboarding.js';
import type { UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';

const user = (userId: string, userName = userId, accessString = 'on ~* +@read'): UserDetailSnapshot => ({
  userId,
  userName,
  accessString,
  engine: 'redis',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
});
const group = (
  userIds: string[],
  extra: Partial<{ status: string; add: string[]; remove: string[] }> = {},
) => ({
  userGroupId: 'g',
  engine: 'redis',
  status: extra.status ?? 'active',
  userIds,
  pendingUserIdsToAdd: extra.add ?? [],
  pendingUserIdsToRemove: extra.remove ?? [],
});
const rg = (extra: Partial<{ tls: boolean; groups: string[]; status: string; add: string[] }> = {}) => ({
  replicationGroupId: 'cache',
  engine: 'redis',
  status: extra.status ?? 'available',
  transitEncryptionEnabled: extra.tls ?? true,
  authTokenEnabled: false,
  userGroupIds: extra.groups ?? [],
  pendingUserGroupIdsToAdd: extra.add ?? [],
  pendingUserGroupIdsToRemove: [],
});

describe('locked default user', () => {
  it('recognizes "off -@all" whatever way AWS writes it', () => {
    expect(isLockedAccessString('off')).toBe(true);
    expect(isLockedAccessString('off resetkeys -@all')).toBe(true);
    expect(isLockedAccessString('off ~* -@all')).toBe(false);
    expect(isLockedAccessString('on -@all')).toBe(false);
    expect(isLockedAccessString('not an access string')).toBe(false);
  });

  it('plans to replace every member named default, and reuses a locked default user with the new ID', () => {
    const users = [
      user('default', 'default', 'on ~* &* +@all'),
      user('app'),
      user('g-default', 'default', 'off'),
    ];
    const plan = planHardening(hardenDefaultUserRequestSchema.parse({ userGroupId: 'g' }), {
      userGroup: group(['default', 'app']),
      users,
    });
    expect(plan.replacedUserIds).toEqual(['default']);
    expect(plan.defaultUser).toMatchObject({ userId: 'g-default', create: false, passwordCount: 1 });
  });

  it('refuses to reuse an unlocked user named default as the hardened default', () => {
    const open = user('g-default', 'default', 'on ~* +@all');
    expect(() =>
      planHardening(hardenDefaultUserRequestSchema.parse({ userGroupId: 'g' }), {
        userGroup: group(['default', 'app']),
        users: [user('default', 'default', 'on ~* &* +@all'), user('app'), open],
      }),
    ).toThrow(/defaultUserId: user g-default exists and is not a locked user named "default"/);
  });

  it('replaces a user named default that is still being added to the group', () => {
    const plan = planHardening(hardenDefaultUserRequestSchema.parse({ userGroupId: 'g' }), {
      userGroup: group(['app'], { status: 'modifying', add: ['default'] }),
      users: [user('default', 'default', 'on ~* &* +@all'), user('app')],
    });
    expect(plan.replacedUserIds).toEqual(['default']);
  });

  it('the swap converges only when the new default is the only one and nothing is pending', () => {
    expect(defaultUserSwapConvergence(group(['default', 'app']), 'new', ['default'])).toBe('needs-change');
    expect(
      defaultUserSwapConvergence(group(['default'], { status: 'modifying', add: ['new'] }), 'new', [
        'default',
      ]),
    ).toBe('pending');
    expect(defaultUserSwapConvergence(group(['new', 'app']), 'new', [])).toBe('settled');
  });
});

describe('migration planning', () => {
  const users = [user('default', 'default', 'on ~* &* +@all'), user('app')];
  const request = (input: object) =>
    migrateToRbacRequestSchema.parse({ replicationGroupId: 'cache', ...input });

  it('derives the group and default user IDs and lists the members default first', () => {
    const plan = planMigration(request({ userIds: ['app'] }), {
      replicationGroup: rg(),
      userGroup: undefined,
      users,
      userGroupCount: 0,
      engineVersion: '7.1',
    });
    expect(plan).toMatchObject({
      userGroupId: 'cache-users',
      memberIds: ['cache-users-default', 'app'],
      createUserGroup: true,
      defaultUser: { userId: 'cache-users-default', accessString: 'off -@all', create: true },
    });
  });

  it.each([
    [
      'redis',
      '5.0.6',
      /replicationGroupId: replication group cache runs Redis OSS 5\.0\.6; RBAC needs Redis OSS 6\.0 or later/,
    ],
    [
      'redis',
      undefined,
      /replicationGroupId: the engine version of replication group cache could not be read/,
    ],
    [
      'valkey',
      '7.1',
      /replicationGroupId: replication group cache runs Valkey 7\.1; RBAC needs Valkey 7\.2 or later/,
    ],
  ])(
    'refuses %s %s before any change: RBAC needs Redis OSS 6.0+ or Valkey 7.2+',
    (engine, engineVersion, error) => {
      expect(() =>
        planMigration(request({ userIds: ['app'] }), {
          replicationGroup: { ...rg(), engine },
          userGroup: undefined,
          users,
          userGroupCount: 0,
          ...(engineVersion === undefined ? {} : { engineVersion }),
        }),
      ).toThrow(error);
    },
  );

  it.each([
    ['redis', '6.0'],
    ['redis', '6.2.6'],
    ['valkey', '7.2'],
    ['valkey', '8.0'],
  ])('accepts %s %s', (engine, engineVersion) => {
    const plan = planMigration(request({ userIds: ['app'] }), {
      replicationGroup: { ...rg(), engine },
      userGroup: undefined,
      users,
      userGroupCount: 0,
      engineVersion,
    });
    expect(plan.engine).toBe(engine);
  });

  it('refuses a replication group without TLS before anything else', () => {
    expect(() =>
      planMigration(request({ userIds: ['ghost'] }), {
        replicationGroup: rg({ tls: false }),
        userGroup: undefined,
        users,
        userGroupCount: 0,
        engineVersion: '7.1',
      }),
    ).toThrow(/replicationGroupId: .*in-transit encryption \(TLS\) off/);
  });

  it('refuses the 101st user group', () => {
    expect(() =>
      planMigration(request({}), {
        replicationGroup: rg(),
        userGroup: undefined,
        users,
        userGroupCount: 100,
        engineVersion: '7.1',
      }),
    ).toThrow(/userGroupId: the account already has 100 user groups/);
  });

  it('asks for explicit IDs when the derived ones would be too long', () => {
    expect(() =>
      planMigration(migrateToRbacRequestSchema.parse({ replicationGroupId: 'c'.repeat(38) }), {
        replicationGroup: rg(),
        userGroup: undefined,
        users,
        userGroupCount: 0,
        engineVersion: '7.1',
      }),
    ).toThrow(/userGroupId: .*give userGroupId explicitly/);
  });

  it("refuses to reuse an unlocked user named default as the group's default user", () => {
    expect(() =>
      planMigration(request({ userIds: ['app'] }), {
        replicationGroup: rg(),
        userGroup: undefined,
        users: [...users, user('cache-users-default', 'default', 'on ~* +@all')],
        userGroupCount: 0,
        engineVersion: '7.1',
      }),
    ).toThrow(/defaultUserId: user cache-users-default exists and is not a locked user named "default"/);
  });

  it('refuses two users with the same user name in one group, naming the second', () => {
    expect(() =>
      planMigration(request({ userIds: ['app', 'app-2'] }), {
        replicationGroup: rg(),
        userGroup: undefined,
        users: [...users, user('app-2', 'app')],
        userGroupCount: 0,
        engineVersion: '7.1',
      }),
    ).toThrow(/userIds.1: user name app appears twice in one group/);
  });

  it('does not take an existing group of another engine with the same members as its own', () => {
    const members = ['cache-users-default', 'app'];
    const state = (engine: string) => ({
      replicationGroup: rg(),
      userGroup: { ...group(members), userGroupId: 'cache-users', engine },
      users: [...users, user('cache-users-default', 'default', 'off -@all')],
      userGroupCount: 1,
      engineVersion: '7.1',
    });
    expect(planMigration(request({ userIds: ['app'] }), state('redis')).createUserGroup).toBe(false);
    expect(() => planMigration(request({ userIds: ['app'] }), state('valkey'))).toThrow(
      /userGroupId: user group cache-users already exists/,
    );
  });

  it('user group and replication group convergence', () => {
    expect(userGroupConvergence(undefined, ['a'])).toBe('needs-change');
    expect(userGroupConvergence(group(['a'], { status: 'creating' }), ['a'])).toBe('pending');
    expect(userGroupConvergence(group(['a', 'b']), ['a'])).toBe('conflict');
    expect(userGroupConvergence(group(['b', 'a']), ['a', 'b'])).toBe('settled');
    expect(replicationGroupConvergence(rg(), 'g')).toBe('needs-change');
    expect(replicationGroupConvergence(rg({ status: 'modifying', add: ['g'] }), 'g')).toBe('pending');
    expect(replicationGroupConvergence(rg({ groups: ['g'] }), 'g')).toBe('settled');
  });
});

describe('retried group creation', () => {
  it('counts pending additions as members when deciding a group holds exactly the requested users', () => {
    expect(holdsExactly(group(['a'], { status: 'modifying', add: ['b'] }), ['a', 'b'])).toBe(true);
    expect(holdsExactly(group(['a']), ['a', 'b'])).toBe(false);
    expect(holdsExactly(group(['a', 'b', 'c']), ['a', 'b'])).toBe(false);
    expect(holdsExactly(group(['a', 'c']), ['a', 'b'])).toBe(false);
  });
});

describe('convergence while a change is under way', () => {
  it('a user group is pending while it changes, conflicting when settled with other members of the same count', () => {
    expect(userGroupConvergence(group(['a'], { status: 'deleting' }), ['a'])).toBe('needs-change');
    expect(userGroupConvergence(group(['a'], { add: ['b'] }), ['a', 'b'])).toBe('pending');
    expect(userGroupConvergence(group(['a', 'b'], { remove: ['b'] }), ['a'])).toBe('pending');
    expect(userGroupConvergence(group(['a', 'c']), ['a', 'b'])).toBe('conflict');
  });

  it('a default-user swap is pending until the group is active with nothing pending, and needs the old default gone', () => {
    expect(defaultUserSwapConvergence(group(['new', 'default']), 'new', ['default'])).toBe('needs-change');
    expect(defaultUserSwapConvergence(group(['new'], { status: 'modifying' }), 'new', [])).toBe('pending');
    expect(defaultUserSwapConvergence(group(['new'], { add: ['x'] }), 'new', [])).toBe('pending');
    expect(defaultUserSwapConvergence(group(['new'], { remove: ['x'] }), 'new', [])).toBe('pending');
    expect(
      defaultUserSwapConvergence(group(['new', 'd1', 'd2'], { status: 'modifying', remove: ['d1'] }), 'new', [
        'd1',
        'd2',
      ]),
    ).toBe('pending');
  });

  it('an attached user group is pending while the replication group modifies or has user-group changes pending', () => {
    expect(replicationGroupConvergence(rg({ groups: ['g'], status: 'modifying' }), 'g')).toBe('pending');
    expect(replicationGroupConvergence(rg({ groups: ['g'], add: ['h'] }), 'g')).toBe('pending');
    expect(
      replicationGroupConvergence({ ...rg({ groups: ['g'] }), pendingUserGroupIdsToRemove: ['h'] }, 'g'),
    ).toBe('pending');
  });
});

describe('onboarding planning', () => {
  const request = onboardUserRequestSchema.parse({
    userId: 'carol',
    userName: 'carol',
    accessString: 'on ~* +@read',
    userGroupIds: ['g'],
  });
  const members = (count: number) => Array.from({ length: count }, (_, i) => `u${i}`);

  it('counts pending additions against the 100-users-per-group quota', () => {
    const plan = (userGroup: ReturnType<typeof group>) => () =>
      planOnboarding(request, { users: [], userGroups: [userGroup] });
    expect(plan(group(members(98), { add: ['u98'] }))).not.toThrow();
    expect(plan(group(members(99), { status: 'modifying', add: ['u99'] }))).toThrow(
      /userGroupIds.0: user group g has 100 users; adding one would exceed the quota of 100/,
    );
    expect(plan(group(members(100), { status: 'modifying', remove: ['u0'] }))).not.toThrow();
  });
});
