/**
 * The ElastiCache behaviours issue 15 found the sandbox missing, each pinned against its source
 * (docs/aws-facts.md lists them): lower-case IDs, members `modifying` during a membership change,
 * the valkey user-group rules, the engine version RBAC needs, and faults the SDK declares.
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserStateFault,
  UserAlreadyExistsFault,
} from '@aws-sdk/client-elasticache';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';

const PASSWORD = 'A'.repeat(20) + '-first-password';
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
    UserName: userId.toLowerCase(),
    Engine: 'redis',
    AccessString: 'on ~app:* +@read',
    Passwords: [PASSWORD],
    ...overrides,
  });
  clock.advance(model.delays.userCreate);
}

describe('IDs are stored in lower case (CreateUser / CreateUserGroup reference)', () => {
  it('Carol is created as carol, and carol is then the same user', async () => {
    const created = await c().CreateUser({
      UserId: 'Carol',
      UserName: 'carol',
      Engine: 'redis',
      AccessString: 'on ~a:* +get',
      Passwords: [PASSWORD],
    });
    expect(created.UserId).toBe('carol');
    await expect(
      c().CreateUser({
        UserId: 'carol',
        UserName: 'carol2',
        Engine: 'redis',
        AccessString: 'on',
        Passwords: [PASSWORD],
      }),
    ).rejects.toBeInstanceOf(UserAlreadyExistsFault);
    const { Users } = await c().DescribeUsers({ UserId: 'CAROL' });
    expect(Users.map((u) => u.UserId)).toEqual(['carol']);
  });

  it('user groups, their member lists and replication groups too', async () => {
    await activeUser('Dave');
    const group = await c().CreateUserGroup({
      UserGroupId: 'Team-A',
      Engine: 'redis',
      UserIds: ['default', 'DAVE'],
    });
    expect(group).toMatchObject({ UserGroupId: 'team-a', UserIds: ['default', 'dave'] });
    model.seedReplicationGroup({ id: 'Orders', transitEncryption: true });
    const { ReplicationGroups } = await c().DescribeReplicationGroups({ ReplicationGroupId: 'orders' });
    expect(ReplicationGroups[0]?.ReplicationGroupId).toBe('orders');
  });
});

describe('a membership change puts the members it adds or removes into modifying', () => {
  it('until the group change lands, ModifyUser and DeleteUser fail with InvalidUserStateFault', async () => {
    await activeUser('erin');
    await activeUser('frank');
    model.seedUserGroup({ id: 'team', userIds: ['default', 'frank'] });
    await c().ModifyUserGroup({ UserGroupId: 'team', UserIdsToAdd: ['erin'], UserIdsToRemove: ['frank'] });
    for (const id of ['erin', 'frank']) {
      const { Users } = await c().DescribeUsers({ UserId: id });
      expect(Users[0]?.Status).toBe('modifying');
    }
    await expect(c().ModifyUser({ UserId: 'erin', AccessString: 'on ~b:* +get' })).rejects.toBeInstanceOf(
      InvalidUserStateFault,
    );
    await expect(c().DeleteUser({ UserId: 'frank' })).rejects.toBeInstanceOf(InvalidUserStateFault);
    clock.advance(model.delays.userGroupModify);
    const { Users } = await c().DescribeUsers({ UserId: 'frank' });
    expect(Users[0]?.Status).toBe('active');
    await c().DeleteUser({ UserId: 'frank' });
  });
});

describe('valkey user groups', () => {
  it('hold only users with a password or IAM authentication: not the built-in default', async () => {
    await activeUser('vk-default', { UserName: 'default', Engine: 'valkey' });
    await activeUser('vk-open', { Engine: 'valkey', Passwords: undefined, NoPasswordRequired: true });
    await expect(
      c().CreateUserGroup({ UserGroupId: 'vk', Engine: 'valkey', UserIds: ['default'] }),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await c().CreateUserGroup({ UserGroupId: 'vk', Engine: 'valkey', UserIds: ['vk-default'] });
    clock.advance(model.delays.userGroupCreate);
    await expect(
      c().ModifyUserGroup({ UserGroupId: 'vk', UserIdsToAdd: ['vk-open'] }),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('a redis user group attaches to a valkey replication group', async () => {
    model.seedUserGroup({ id: 'redis-group', userIds: ['default'] });
    model.seedReplicationGroup({ id: 'vk-cache', engine: 'valkey', transitEncryption: true });
    const { ReplicationGroup } = await c().ModifyReplicationGroup({
      ReplicationGroupId: 'vk-cache',
      UserGroupIdsToAdd: ['redis-group'],
      ApplyImmediately: true,
    });
    expect(ReplicationGroup.PendingModifiedValues?.UserGroups?.UserGroupIdsToAdd).toEqual(['redis-group']);
  });
});

describe('engine versions: RBAC needs Redis OSS 6.0+ or Valkey 7.2+', () => {
  it('shows the version on the member cluster and refuses a user group on Redis OSS 5', async () => {
    model.seedUserGroup({ id: 'g', userIds: ['default'] });
    model.seedReplicationGroup({ id: 'old-cache', transitEncryption: true, engineVersion: '5.0.6' });
    const { ReplicationGroups } = await c().DescribeReplicationGroups({ ReplicationGroupId: 'old-cache' });
    const member = ReplicationGroups[0]?.MemberClusters?.[0] ?? '';
    const { CacheClusters } = await c().DescribeCacheClusters({ CacheClusterId: member });
    expect(CacheClusters[0]).toMatchObject({ ReplicationGroupId: 'old-cache', EngineVersion: '5.0.6' });
    await expect(
      c().ModifyReplicationGroup({
        ReplicationGroupId: 'old-cache',
        UserGroupIdsToAdd: ['g'],
        ApplyImmediately: true,
      }),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
  });
});

describe('faults are the ones the SDK declares for the operation', () => {
  it('DescribeUsers and DescribeUserGroups answer a bad parameter with InvalidParameterCombinationException', async () => {
    await expect(c().DescribeUsers({ MaxRecords: 5 })).rejects.toBeInstanceOf(
      InvalidParameterCombinationException,
    );
    await expect(
      c().DescribeUsers({ Filters: [{ Name: 'user-name', Values: ['x'] }] }),
    ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    await expect(c().DescribeUserGroups({ Marker: 'x' })).rejects.toBeInstanceOf(
      InvalidParameterCombinationException,
    );
  });
});
