import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  DefaultUserAssociatedToUserGroupFault,
  DefaultUserRequired,
  DuplicateUserNameFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  InvalidUserGroupStateFault,
  InvalidUserStateFault,
  ReplicationGroupNotFoundFault,
  UserAlreadyExistsFault,
  UserGroupNotFoundFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
  type User,
} from '@aws-sdk/client-elasticache';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';

const PASSWORD_A = 'A'.repeat(20) + '-first-password';
const PASSWORD_B = 'B'.repeat(20) + '-second-password';
const PASSWORD_C = 'C'.repeat(20) + '-third-password';

let clock: SandboxClock;
let model: ElastiCacheModel;
const c = () => model.commands;

beforeEach(() => {
  clock = new SandboxClock({ speed: 0 });
  model = new ElastiCacheModel(clock);
});

async function activeUser(userId: string, overrides: Record<string, unknown> = {}) {
  await c().CreateUser({
    UserId: userId,
    UserName: userId,
    Engine: 'redis',
    AccessString: 'on ~app:* +@read',
    Passwords: [PASSWORD_A],
    ...overrides,
  });
  clock.advance(model.delays.userCreate);
}

async function describeUser(userId: string): Promise<User> {
  const { Users } = await c().DescribeUsers({ UserId: userId });
  return Users[0] as User;
}

async function describeGroup(userGroupId: string) {
  const { UserGroups } = await c().DescribeUserGroups({ UserGroupId: userGroupId });
  return UserGroups[0];
}

describe('ElastiCache model: users', () => {
  it('creates a user as creating, active once the clock passes the delay', async () => {
    const created = await c().CreateUser({
      UserId: 'app',
      UserName: 'app',
      Engine: 'REDIS',
      AccessString: 'on ~app:* +@read',
      Passwords: [PASSWORD_A],
    });
    expect(created).toMatchObject({
      UserId: 'app',
      Status: 'creating',
      Engine: 'redis',
      Authentication: { Type: 'password', PasswordCount: 1 },
    });
    clock.advance(model.delays.userCreate - 1);
    expect((await describeUser('app')).Status).toBe('creating');
    clock.advance(1);
    expect((await describeUser('app')).Status).toBe('active');
  });

  it('stores the access string rewritten, as AWS does', async () => {
    await activeUser('app', { AccessString: '+@read ~app:* on' });
    expect((await describeUser('app')).AccessString).toMatch(/^on ~app:\* /);
  });

  it('the built-in default user exists, with no password, and cannot be modified or deleted', async () => {
    expect(await describeUser('default')).toMatchObject({
      UserName: 'default',
      Status: 'active',
      Authentication: { Type: 'no-password' },
    });
    await expect(c().ModifyUser({ UserId: 'default', AccessString: 'off' })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(c().DeleteUser({ UserId: 'default' })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });

  it('allows many users named default (with other IDs) but no other duplicate user name', async () => {
    await activeUser('locked-1', { UserName: 'default', AccessString: 'off -@all' });
    await activeUser('locked-2', { UserName: 'default', AccessString: 'off -@all' });
    await activeUser('app');
    await expect(activeUser('app-2', { UserName: 'app' })).rejects.toBeInstanceOf(DuplicateUserNameFault);
    await expect(activeUser('app')).rejects.toBeInstanceOf(UserAlreadyExistsFault);
  });

  it('ModifyUser Passwords replaces the whole list, at most two, visible only when the change completes', async () => {
    await activeUser('app');
    const modifying = await c().ModifyUser({ UserId: 'app', Passwords: [PASSWORD_B, PASSWORD_A] });
    expect(modifying).toMatchObject({ Status: 'modifying', Authentication: { PasswordCount: 1 } });
    clock.advance(model.delays.userModify);
    expect((await describeUser('app')).Authentication).toEqual({ Type: 'password', PasswordCount: 2 });
    await expect(
      c().ModifyUser({ UserId: 'app', Passwords: [PASSWORD_A, PASSWORD_B, PASSWORD_C] }),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await c().ModifyUser({ UserId: 'app', Passwords: [PASSWORD_C] });
    clock.advance(model.delays.userModify);
    expect((await describeUser('app')).Authentication).toEqual({ Type: 'password', PasswordCount: 1 });
  });

  it('NoPasswordRequired and AppendAccessString', async () => {
    await activeUser('app');
    await c().ModifyUser({ UserId: 'app', NoPasswordRequired: true, AppendAccessString: '+set' });
    clock.advance(model.delays.userModify);
    const user = await describeUser('app');
    expect(user.Authentication).toEqual({ Type: 'no-password' });
    expect(user.AccessString).toContain('+set');
    await expect(
      c().ModifyUser({ UserId: 'app', NoPasswordRequired: true, Passwords: [PASSWORD_A] }),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(
      c().ModifyUser({ UserId: 'app', AccessString: 'on', AppendAccessString: '+get' }),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
  });

  it('rejects passwords that break the policy without quoting them', async () => {
    const error = await c()
      .CreateUser({
        UserId: 'app',
        UserName: 'app',
        Engine: 'redis',
        AccessString: 'on',
        Passwords: ['short/secret'],
      })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).not.toContain('short/secret');
    const forbidden = await c()
      .CreateUser({
        UserId: 'app',
        UserName: 'app',
        Engine: 'redis',
        AccessString: 'on',
        Passwords: ['x'.repeat(20) + '@y'],
      })
      .catch((e: Error) => e);
    expect((forbidden as Error).message).toMatch(/Passwords\[0\] is invalid: must not contain "@"/);
    await expect(
      c().CreateUser({ UserId: 'app', UserName: 'app', Engine: 'redis', AccessString: 'on' }),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
  });

  it('rejects invalid access strings, identifiers and engines', async () => {
    const base = {
      UserId: 'app',
      UserName: 'app',
      Engine: 'redis',
      AccessString: 'on',
      Passwords: [PASSWORD_A],
    };
    await expect(c().CreateUser({ ...base, AccessString: 'on reset' })).rejects.toThrow(
      /AccessString is invalid/,
    );
    await expect(c().CreateUser({ ...base, AccessString: 'on >inline-password' })).rejects.toThrow(
      /AccessString is invalid/,
    );
    await expect(c().CreateUser({ ...base, UserId: '1app' })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(c().CreateUser({ ...base, UserId: 'a--b' })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(c().CreateUser({ ...base, Engine: 'memcached' })).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });

  it('InvalidUserStateFault while the user is not active', async () => {
    await c().CreateUser({
      UserId: 'app',
      UserName: 'app',
      Engine: 'redis',
      AccessString: 'on',
      Passwords: [PASSWORD_A],
    });
    await expect(c().ModifyUser({ UserId: 'app', AccessString: 'off' })).rejects.toBeInstanceOf(
      InvalidUserStateFault,
    );
    await expect(c().DeleteUser({ UserId: 'app' })).rejects.toBeInstanceOf(InvalidUserStateFault);
  });

  it('deletes a user after the delay, removing it from its groups', async () => {
    await activeUser('app');
    model.seedUserGroup({ id: 'group', userIds: ['default', 'app'] });
    expect((await c().DeleteUser({ UserId: 'app' })).Status).toBe('deleting');
    clock.advance(model.delays.userDelete);
    await expect(c().DescribeUsers({ UserId: 'app' })).rejects.toBeInstanceOf(UserNotFoundFault);
    expect((await describeGroup('group'))?.UserIds).toEqual(['default']);
  });

  it('a user named default cannot be deleted while it is a group member', async () => {
    await activeUser('locked', { UserName: 'default', AccessString: 'off' });
    model.seedUserGroup({ id: 'group', userIds: ['locked'] });
    await expect(c().DeleteUser({ UserId: 'locked' })).rejects.toBeInstanceOf(
      DefaultUserAssociatedToUserGroupFault,
    );
  });

  it('enforces the per-account user quota', async () => {
    const small = new ElastiCacheModel(clock, { quotas: { usersPerAccount: 3 } });
    await small.commands.CreateUser({
      UserId: 'a',
      UserName: 'a',
      Engine: 'redis',
      AccessString: 'on',
      NoPasswordRequired: true,
    });
    await small.commands.CreateUser({
      UserId: 'b',
      UserName: 'b',
      Engine: 'redis',
      AccessString: 'on',
      NoPasswordRequired: true,
    });
    await expect(
      small.commands.CreateUser({
        UserId: 'c',
        UserName: 'c',
        Engine: 'redis',
        AccessString: 'on',
        NoPasswordRequired: true,
      }),
    ).rejects.toBeInstanceOf(UserQuotaExceededFault);
  });

  it('paginates DescribeUsers with MaxRecords and Marker', async () => {
    for (let i = 0; i < 25; i += 1)
      model.seedUser({ userId: `u${i}`, userName: `u${i}`, accessString: 'off' });
    const first = await c().DescribeUsers({ MaxRecords: 20 });
    expect(first.Users).toHaveLength(20);
    const second = await c().DescribeUsers({ MaxRecords: 20, Marker: first.Marker });
    expect(second.Users).toHaveLength(6);
    expect(second.Marker).toBeUndefined();
  });
});

describe('ElastiCache model: user groups', () => {
  beforeEach(async () => {
    await activeUser('app');
    await activeUser('other');
  });

  it('requires a user named default, and users that exist and are active', async () => {
    await expect(
      c().CreateUserGroup({ UserGroupId: 'g', Engine: 'redis', UserIds: ['app'] }),
    ).rejects.toBeInstanceOf(DefaultUserRequired);
    await expect(
      c().CreateUserGroup({ UserGroupId: 'g', Engine: 'redis', UserIds: ['default', 'ghost'] }),
    ).rejects.toBeInstanceOf(UserNotFoundFault);
    const created = await c().CreateUserGroup({
      UserGroupId: 'g',
      Engine: 'redis',
      UserIds: ['default', 'app'],
    });
    expect(created.Status).toBe('creating');
    clock.advance(model.delays.userGroupCreate);
    expect((await describeGroup('g'))?.Status).toBe('active');
    expect((await describeUser('app')).UserGroupIds).toEqual(['g']);
  });

  it('ModifyUserGroup: modifying with PendingChanges, then active with the change applied', async () => {
    model.seedUserGroup({ id: 'g', userIds: ['default', 'app'] });
    const modifying = await c().ModifyUserGroup({
      UserGroupId: 'g',
      UserIdsToAdd: ['other'],
      UserIdsToRemove: ['app'],
    });
    expect(modifying).toMatchObject({
      Status: 'modifying',
      UserIds: ['default', 'app'],
      PendingChanges: { UserIdsToAdd: ['other'], UserIdsToRemove: ['app'] },
    });
    await expect(c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToAdd: ['app'] })).rejects.toBeInstanceOf(
      InvalidUserGroupStateFault,
    );
    clock.advance(model.delays.userGroupModify);
    const group = await describeGroup('g');
    expect(group).toMatchObject({ Status: 'active', UserIds: ['default', 'other'] });
    expect(group?.PendingChanges).toBeUndefined();
  });

  it('removing a non-member fails the whole call: nothing is added either', async () => {
    model.seedUserGroup({ id: 'g', userIds: ['default'] });
    await expect(
      c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToAdd: ['app'], UserIdsToRemove: ['other'] }),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    expect(await describeGroup('g')).toMatchObject({ Status: 'active', UserIds: ['default'] });
  });

  it('refuses to remove the last user named default, and allows swapping it in one call', async () => {
    await activeUser('locked', { UserName: 'default', AccessString: 'off -@all' });
    model.seedUserGroup({ id: 'g', userIds: ['default', 'app'] });
    await expect(
      c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToRemove: ['default'] }),
    ).rejects.toBeInstanceOf(DefaultUserRequired);
    await expect(c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToAdd: ['locked'] })).rejects.toBeInstanceOf(
      DuplicateUserNameFault,
    );
    await c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToAdd: ['locked'], UserIdsToRemove: ['default'] });
    clock.advance(model.delays.userGroupModify);
    expect((await describeGroup('g'))?.UserIds).toEqual(['app', 'locked']);
  });

  it('holds at most 100 users', async () => {
    const members = Array.from({ length: 99 }, (_, i) => `m${i}`);
    members.forEach((id) => model.seedUser({ userId: id, userName: id, accessString: 'off' }));
    model.seedUserGroup({ id: 'g', userIds: ['default', ...members] });
    await expect(c().ModifyUserGroup({ UserGroupId: 'g', UserIdsToAdd: ['app'] })).rejects.toThrow(
      /at most 100 users/,
    );
  });

  it('unknown group → UserGroupNotFoundFault; a group in use by a replication group cannot be deleted', async () => {
    await expect(c().DescribeUserGroups({ UserGroupId: 'nope' })).rejects.toBeInstanceOf(
      UserGroupNotFoundFault,
    );
    model.seedUserGroup({ id: 'g', userIds: ['default'] });
    model.seedReplicationGroup({ id: 'rg', transitEncryption: true, userGroupIds: ['g'] });
    await expect(c().DeleteUserGroup({ UserGroupId: 'g' })).rejects.toBeInstanceOf(
      InvalidUserGroupStateFault,
    );
    model.seedUserGroup({ id: 'spare', userIds: ['default'] });
    expect((await c().DeleteUserGroup({ UserGroupId: 'spare' })).Status).toBe('deleting');
    clock.advance(model.delays.userGroupDelete);
    await expect(c().DescribeUserGroups({ UserGroupId: 'spare' })).rejects.toBeInstanceOf(
      UserGroupNotFoundFault,
    );
  });
});

describe('ElastiCache model: replication groups', () => {
  beforeEach(() => {
    model.seedUserGroup({ id: 'g1', userIds: ['default'] });
    model.seedUserGroup({ id: 'g2', userIds: ['default'] });
  });

  it('attaches a user group: modifying with pending user groups, then available with it', async () => {
    model.seedReplicationGroup({ id: 'rg', transitEncryption: true });
    const { ReplicationGroup } = await c().ModifyReplicationGroup({
      ReplicationGroupId: 'rg',
      UserGroupIdsToAdd: ['g1'],
      ApplyImmediately: true,
    });
    expect(ReplicationGroup).toMatchObject({
      Status: 'modifying',
      UserGroupIds: [],
      PendingModifiedValues: { UserGroups: { UserGroupIdsToAdd: ['g1'] } },
    });
    await expect(
      c().ModifyReplicationGroup({ ReplicationGroupId: 'rg', UserGroupIdsToRemove: ['g1'] }),
    ).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
    clock.advance(model.delays.replicationGroupModify);
    const { ReplicationGroups } = await c().DescribeReplicationGroups({ ReplicationGroupId: 'rg' });
    expect(ReplicationGroups[0]).toMatchObject({
      Status: 'available',
      UserGroupIds: ['g1'],
      PendingModifiedValues: {},
    });
    expect((await describeGroup('g1'))?.ReplicationGroups).toEqual(['rg']);
  });

  it('requires in-transit encryption and allows one user group per replication group', async () => {
    model.seedReplicationGroup({ id: 'plain', transitEncryption: false });
    await expect(
      c().ModifyReplicationGroup({ ReplicationGroupId: 'plain', UserGroupIdsToAdd: ['g1'] }),
    ).rejects.toThrow(/in-transit encryption/);
    model.seedReplicationGroup({ id: 'rg', transitEncryption: true, userGroupIds: ['g1'] });
    await expect(
      c().ModifyReplicationGroup({ ReplicationGroupId: 'rg', UserGroupIdsToAdd: ['g2'] }),
    ).rejects.toThrow(/only one user group/);
    await expect(c().DescribeReplicationGroups({ ReplicationGroupId: 'nope' })).rejects.toBeInstanceOf(
      ReplicationGroupNotFoundFault,
    );
  });
});

describe('ElastiCache model: onUserChanged hook', () => {
  it('reports each settled user with its passwords, and deletions', async () => {
    const seen: [string | undefined, string | undefined, readonly string[]][] = [];
    model.onUserChanged = (user, passwords) => {
      seen.push([user.UserId, user.Status, passwords]);
    };
    await activeUser('app');
    await c().DescribeUsers({ UserId: 'app' });
    await c().ModifyUser({ UserId: 'app', Passwords: [PASSWORD_A, PASSWORD_B] });
    clock.advance(model.delays.userModify);
    await c().DeleteUser({ UserId: 'app' });
    clock.advance(model.delays.userDelete);
    await c().DescribeUsers({});
    expect(seen).toEqual([
      ['app', 'active', [PASSWORD_A]],
      ['app', 'active', [PASSWORD_A, PASSWORD_B]],
      ['app', 'deleted', []],
    ]);
  });
});
