import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ElastiCacheClient,
  InvalidUserGroupStateFault,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import {
  cacheUser,
  causeOf,
  createElastiCacheWorld,
  elastiCacheAccount,
  entered,
  expectNoPasswordLeak,
  ofType,
  sampleInput,
  userGroup,
  type WorkflowRuns,
} from './rbac-fixture.js';

const sample = sampleInput<{
  userGroupId: string;
  defaultUserId: string;
  requestedBy: string;
  requestId: string;
}>('harden-default-user');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;

beforeAll(async () => {
  ({ sandbox, model, elastiCache, secrets, workflows } = await createElastiCacheWorld());
  model.seedUser({
    userId: 'orders-app',
    userName: 'orders-app',
    accessString: 'on ~orders:* +@read',
    passwords: ['a'.repeat(32)],
  });
  model.seedUser({
    userId: 'busy-maker',
    userName: 'busy-maker',
    accessString: 'on ~* +@read',
    passwords: ['b'.repeat(32)],
  });
  for (const id of [sample.userGroupId, 'busy-group', 'fault-group', 'other-group'])
    model.seedUserGroup({ id, userIds: ['default', 'orders-app'] });
});
afterAll(async () => sandbox.close());

const harden = (input: unknown): Promise<LocalExecution> => workflows.run('harden-default-user', input);

describe('harden-default-user workflow (real ASL on the local runner)', () => {
  it('creates a locked default user and swaps it in for the built-in default, waiting for the end state', async () => {
    const run = await harden(sample);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      userGroupId: sample.userGroupId,
      defaultUserId: sample.defaultUserId,
      replacedUserIds: ['default'],
      secretName: `cachegate/elasticache/users/${sample.defaultUserId}`,
      status: 'hardened',
    });
    expect(await cacheUser(elastiCache, sample.defaultUserId)).toMatchObject({
      UserName: 'default',
      Status: 'active',
      AccessString: 'off -@all',
      Authentication: { Type: 'password', PasswordCount: 1 },
    });
    const g = await userGroup(elastiCache, sample.userGroupId);
    expect(g).toMatchObject({ Status: 'active' });
    expect([...(g?.UserIds ?? [])].sort()).toEqual(['orders-app', sample.defaultUserId]);
    expect(g?.PendingChanges).toBeUndefined();
    expect(entered(run, 'WaitForDefaultUser')).toBeGreaterThanOrEqual(1);
    expect(entered(run, 'WaitForDefaultUserSwap')).toBeGreaterThanOrEqual(1);
    // The swap is one call: the group is never without a user named default.
    expect(entered(run, 'SwapDefaultUser')).toBe(1);

    const described = await secrets.send(
      new DescribeSecretCommand({ SecretId: `cachegate/elasticache/users/${sample.defaultUserId}` }),
    );
    expect(described.Tags).toEqual(
      expect.arrayContaining([{ Key: 'cachegate:user-id', Value: sample.defaultUserId }]),
    );
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'DefaultUserHardened');
    expect(audit.at(-1)?.detail).toMatchObject({
      action: 'DefaultUserHardened',
      actor: 'alice',
      requestId: sample.requestId,
      subject: { userId: sample.defaultUserId, userGroupIds: sample.userGroupId, replacedUserIds: 'default' },
    });
  });

  it('running it again changes nothing and succeeds', async () => {
    const before = await elastiCacheAccount(sandbox, elastiCache);
    const run = await harden(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(run, 'CreateDefaultUser')).toBe(0);
    expect(await elastiCacheAccount(sandbox, elastiCache)).toEqual(before);
  });

  it('retries the swap while the group is busy with another change (InvalidUserGroupStateFault)', async () => {
    const saved = { ...model.delays };
    Object.assign(model.delays, { userGroupModify: 600_000 });
    try {
      await elastiCache.send(
        new ModifyUserGroupCommand({ UserGroupId: 'busy-group', UserIdsToAdd: ['busy-maker'] }),
      );
      const run = await harden({ userGroupId: 'busy-group' });
      expect(run.status).toBe('SUCCEEDED');
      expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toContain('SwapDefaultUser');
      expect(ofType(run, 'StateFailed').map((e) => e.Error)).toContain('InvalidUserGroupStateFault');
      expect([...((await userGroup(elastiCache, 'busy-group'))?.UserIds ?? [])].sort()).toEqual([
        'busy-group-default',
        'busy-maker',
        'orders-app',
      ]);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries an injected state fault and a crash on the way', async () => {
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'ModifyUserGroup',
      mode: 'throw',
      error: () =>
        serviceFault(InvalidUserGroupStateFault, 'User group fault-group is modifying, not active.'),
    });
    sandbox.faults.inject({ service: 'ElastiCache', command: 'CreateUser', mode: 'crash' });
    const run = await harden({ userGroupId: 'fault-group', requestedBy: 'alice' });
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toEqual(
      expect.arrayContaining(['CreateDefaultUser', 'SwapDefaultUser']),
    );
    expect((await userGroup(elastiCache, 'fault-group'))?.UserIds).toContain('fault-group-default');
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'an unknown user group',
        () => ({ userGroupId: 'no-such-group' }),
        /userGroupId: user group no-such-group does not exist/,
      ],
      [
        'the built-in user ID as the new default',
        () => ({ userGroupId: 'other-group', defaultUserId: 'default' }),
        /defaultUserId: "default" is the built-in user/,
      ],
      [
        'a new default user ID that belongs to another user',
        () => ({ userGroupId: 'other-group', defaultUserId: 'orders-app' }),
        /defaultUserId: user orders-app exists and is not a locked user named "default"/,
      ],
      ['a malformed user group ID', () => ({ userGroupId: 'Bad--id' }), /userGroupId: /],
      ['a missing user group ID', () => ({ defaultUserId: 'x-default' }), /userGroupId: /],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const before = await elastiCacheAccount(sandbox, elastiCache);
      const run = await harden(input());
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('HardenDefaultUser.InvalidInput');
      expect(causeOf(run)).toMatch(cause);
      expect(await elastiCacheAccount(sandbox, elastiCache)).toEqual(before);
      expect(entered(run, 'StoreDefaultUserPassword')).toBe(0);
    });
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 3);
  });
});
