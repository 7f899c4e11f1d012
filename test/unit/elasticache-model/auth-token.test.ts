import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidReplicationGroupStateFault,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import {
  ElastiCacheModel,
  type ReplicationGroupAccess,
} from '../../../local/sandbox/models/elasticache/index.js';

const OLD_TOKEN = 'Old-token-0123456789abcdef';
const NEW_TOKEN = 'New-token!&#$^<>-0123456789';
const THIRD_TOKEN = 'Third-token-0123456789abcdef';
const DEFAULT_PASSWORD = OLD_TOKEN;

let clock: SandboxClock;
let model: ElastiCacheModel;
let accessSeen: Map<string, ReplicationGroupAccess>;
const c = () => model.commands;

beforeEach(() => {
  clock = new SandboxClock({ speed: 0 });
  model = new ElastiCacheModel(clock);
  accessSeen = new Map();
  model.onReplicationGroupChanged = (group, access) => {
    accessSeen.set(group.ReplicationGroupId ?? '', access);
  };
  model.seedUser({
    userId: 'token-default',
    userName: 'default',
    accessString: 'on ~* &* +@all',
    passwords: [DEFAULT_PASSWORD],
  });
  model.seedUserGroup({ id: 'users', userIds: ['token-default'] });
  model.seedReplicationGroup({ id: 'auth-cache', transitEncryption: true, authToken: OLD_TOKEN });
  model.seedReplicationGroup({ id: 'open-cache', transitEncryption: true });
  model.seedReplicationGroup({ id: 'plain-cache', transitEncryption: false });
});

async function describe1(id: string): Promise<ReplicationGroup> {
  await model.settle();
  const { ReplicationGroups } = await c().DescribeReplicationGroups({ ReplicationGroupId: id });
  return ReplicationGroups[0] as ReplicationGroup;
}

async function settleModification(): Promise<void> {
  clock.advance(model.delays.replicationGroupModify);
  await model.settle();
}

describe('ElastiCache model: AUTH tokens on replication groups', () => {
  it('refuses UserGroupIdsToAdd on an AUTH group without DELETE, as AWS does, and changes nothing', async () => {
    const before = await describe1('auth-cache');
    const call = c().ModifyReplicationGroup({
      ReplicationGroupId: 'auth-cache',
      UserGroupIdsToAdd: ['users'],
      ApplyImmediately: true,
    });
    await expect(call).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(call).rejects.toThrow(
      "User group can't be associated with auth token enabled. Pass AuthStrategy delete to proceed",
    );
    expect(await describe1('auth-cache')).toEqual(before);
    expect(before).toMatchObject({ Status: 'available', AuthTokenEnabled: true, UserGroupIds: [] });
  });

  it('moves to RBAC with DELETE: the token goes and the user group arrives in the same settled change', async () => {
    const seeded = (await describe1('auth-cache')).AuthTokenLastModifiedDate;
    const { ReplicationGroup } = await c().ModifyReplicationGroup({
      ReplicationGroupId: 'auth-cache',
      UserGroupIdsToAdd: ['users'],
      AuthTokenUpdateStrategy: 'DELETE',
      ApplyImmediately: true,
    });
    expect(ReplicationGroup).toMatchObject({
      Status: 'modifying',
      AuthTokenEnabled: true,
      PendingModifiedValues: { UserGroups: { UserGroupIdsToAdd: ['users'] } },
    });
    expect(accessSeen.get('auth-cache')).toEqual({ mode: 'auth', tokens: [OLD_TOKEN] });
    clock.advance(1_000);
    await settleModification();
    const after = await describe1('auth-cache');
    expect(after).toMatchObject({
      Status: 'available',
      AuthTokenEnabled: false,
      UserGroupIds: ['users'],
      PendingModifiedValues: {},
    });
    expect(after.AuthTokenLastModifiedDate?.getTime()).toBeGreaterThan(seeded?.getTime() ?? Infinity);
    // `AUTH <old token>` now logs in as the group's user named default, which holds that token.
    expect(accessSeen.get('auth-cache')).toEqual({
      mode: 'rbac',
      defaultUser: { accessString: expect.stringMatching(/^on /), passwords: [DEFAULT_PASSWORD] },
    });
  });

  it('ROTATE keeps both tokens, SET keeps only the new one; AuthTokenStatus shows the change under way', async () => {
    const { ReplicationGroup } = await c().ModifyReplicationGroup({
      ReplicationGroupId: 'auth-cache',
      AuthToken: NEW_TOKEN,
      AuthTokenUpdateStrategy: 'ROTATE',
      ApplyImmediately: true,
    });
    expect(ReplicationGroup?.PendingModifiedValues).toEqual({ AuthTokenStatus: 'ROTATING' });
    await expect(
      c().ModifyReplicationGroup({
        ReplicationGroupId: 'auth-cache',
        AuthToken: NEW_TOKEN,
        AuthTokenUpdateStrategy: 'SET',
      }),
    ).rejects.toBeInstanceOf(InvalidReplicationGroupStateFault);
    await settleModification();
    expect(accessSeen.get('auth-cache')).toEqual({ mode: 'auth', tokens: [OLD_TOKEN, NEW_TOKEN] });
    const rotated = await describe1('auth-cache');
    expect(rotated).toMatchObject({ Status: 'available', AuthTokenEnabled: true, PendingModifiedValues: {} });

    const set = await c().ModifyReplicationGroup({
      ReplicationGroupId: 'auth-cache',
      AuthToken: NEW_TOKEN,
      AuthTokenUpdateStrategy: 'SET',
      ApplyImmediately: true,
    });
    expect(set.ReplicationGroup?.PendingModifiedValues).toEqual({ AuthTokenStatus: 'SETTING' });
    clock.advance(1_000);
    await settleModification();
    expect(accessSeen.get('auth-cache')).toEqual({ mode: 'auth', tokens: [NEW_TOKEN] });
    expect((await describe1('auth-cache')).AuthTokenLastModifiedDate?.getTime()).toBeGreaterThan(
      rotated.AuthTokenLastModifiedDate?.getTime() ?? Infinity,
    );
  });

  it('an AuthToken without a strategy rotates (ROTATE is the default); a third token drops the oldest', async () => {
    await c().ModifyReplicationGroup({ ReplicationGroupId: 'auth-cache', AuthToken: NEW_TOKEN });
    await settleModification();
    expect(accessSeen.get('auth-cache')).toEqual({ mode: 'auth', tokens: [OLD_TOKEN, NEW_TOKEN] });
    await c().ModifyReplicationGroup({ ReplicationGroupId: 'auth-cache', AuthToken: THIRD_TOKEN });
    await settleModification();
    expect(accessSeen.get('auth-cache')).toEqual({ mode: 'auth', tokens: [NEW_TOKEN, THIRD_TOKEN] });
  });

  it('goes back from RBAC to AUTH with UserGroupIdsToRemove, AuthToken and SET', async () => {
    model.seedReplicationGroup({ id: 'rbac-cache', transitEncryption: true, userGroupIds: ['users'] });
    await c().ModifyReplicationGroup({
      ReplicationGroupId: 'rbac-cache',
      UserGroupIdsToRemove: ['users'],
      AuthToken: NEW_TOKEN,
      AuthTokenUpdateStrategy: 'SET',
      ApplyImmediately: true,
    });
    await settleModification();
    expect(await describe1('rbac-cache')).toMatchObject({ AuthTokenEnabled: true, UserGroupIds: [] });
    expect(accessSeen.get('rbac-cache')).toEqual({ mode: 'auth', tokens: [NEW_TOKEN] });
  });

  const invalid: [
    string,
    Record<string, unknown>,
    typeof InvalidParameterCombinationException | typeof InvalidParameterValueException,
    RegExp,
  ][] = [
    [
      'ROTATE without a token',
      { ReplicationGroupId: 'auth-cache', AuthTokenUpdateStrategy: 'ROTATE' },
      InvalidParameterCombinationException,
      /ROTATE must be specified with AuthToken/,
    ],
    [
      'SET without a token',
      { ReplicationGroupId: 'auth-cache', AuthTokenUpdateStrategy: 'SET' },
      InvalidParameterCombinationException,
      /SET must be specified with AuthToken/,
    ],
    [
      'DELETE without UserGroupIdsToAdd',
      { ReplicationGroupId: 'auth-cache', AuthTokenUpdateStrategy: 'DELETE' },
      InvalidParameterCombinationException,
      /only when transitioning to RBAC/,
    ],
    [
      'DELETE with a token',
      {
        ReplicationGroupId: 'auth-cache',
        AuthTokenUpdateStrategy: 'DELETE',
        AuthToken: NEW_TOKEN,
        UserGroupIdsToAdd: ['users'],
      },
      InvalidParameterCombinationException,
      /AuthToken cannot be given with .* DELETE/,
    ],
    [
      'DELETE on a group without AUTH',
      { ReplicationGroupId: 'open-cache', AuthTokenUpdateStrategy: 'DELETE', UserGroupIdsToAdd: ['users'] },
      InvalidParameterCombinationException,
      /no AUTH token to delete/,
    ],
    [
      'SET on a group that never rotated',
      { ReplicationGroupId: 'open-cache', AuthTokenUpdateStrategy: 'SET', AuthToken: NEW_TOKEN },
      InvalidParameterCombinationException,
      /SET is allowed only after ROTATE/,
    ],
    [
      'a token without in-transit encryption',
      { ReplicationGroupId: 'plain-cache', AuthToken: NEW_TOKEN },
      InvalidParameterCombinationException,
      /in-transit encryption/,
    ],
    [
      'an unknown strategy',
      { ReplicationGroupId: 'auth-cache', AuthToken: NEW_TOKEN, AuthTokenUpdateStrategy: 'rotate-later' },
      InvalidParameterValueException,
      /ROTATE, SET or DELETE/,
    ],
  ];
  it.each(invalid)('refuses %s and changes nothing', async (_, input, fault, message) => {
    const before = await describe1(input.ReplicationGroupId as string);
    const call = c().ModifyReplicationGroup(input);
    await expect(call).rejects.toBeInstanceOf(fault);
    await expect(call).rejects.toThrow(message);
    expect(await describe1(input.ReplicationGroupId as string)).toEqual(before);
  });

  it('refuses a token while a user group is attached (unless the call removes it)', async () => {
    model.seedReplicationGroup({ id: 'rbac-cache', transitEncryption: true, userGroupIds: ['users'] });
    await expect(
      c().ModifyReplicationGroup({ ReplicationGroupId: 'rbac-cache', AuthToken: NEW_TOKEN }),
    ).rejects.toThrow(/uses user group users; remove it/);
  });

  it.each([
    ['15 characters', 'A'.repeat(15)],
    ['129 characters', 'A'.repeat(129)],
    ['a %', 'Abcdefghijklmnop%q'],
    ['an @', 'Abcdefghijklmnop@q'],
    ['a comma (allowed in user passwords, not in tokens)', 'Abcdefghijklmnop,q'],
    ['a * (allowed in user passwords, not in tokens)', 'Abcdefghijklmnop*q'],
    ['a space', 'Abcdefgh ijklmnopq'],
  ])('refuses a token with %s, never quoting it', async (_, token) => {
    const call = c().ModifyReplicationGroup({ ReplicationGroupId: 'auth-cache', AuthToken: token });
    await expect(call).rejects.toBeInstanceOf(InvalidParameterValueException);
    const error = (await call.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^AuthToken is invalid/);
    expect(error.message).not.toContain(token);
  });
});
