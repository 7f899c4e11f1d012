import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidParameterValueException,
  InvalidUserStateFault,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  UserNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handler as checkCacheUser } from '../../functions/check-cache-user/handler.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { handler as deleteCacheUser } from '../../functions/delete-cache-user/handler.js';
import { LocalStateMachine, type LambdaHandler } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import {
  causeOf,
  createElastiCacheWorld,
  entered,
  expectNoPasswordLeak,
  found,
  ofType,
  sampleInput,
  userGroup,
  type WorkflowRuns,
} from './rbac-fixture.js';

const sample = sampleInput<{
  userId: string;
  requestedBy: string;
  requestId: string;
}>('offboard-user');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  ({ sandbox, model, elastiCache, secrets, workflows } = await createElastiCacheWorld());
  for (const id of ['orders-group', 'payments-group', 'audit-group'])
    model.seedUserGroup({ id, userIds: ['default'] });
});
afterAll(async () => sandbox.close());

async function run(
  name: 'onboard-user' | 'offboard-user',
  input: unknown,
  options: { handlers?: Record<string, LambdaHandler>; beforeStart?: () => Promise<unknown> } = {},
) {
  // Loading validates the definition and takes real time, i.e. simulated minutes: set the stage after it.
  const machine = LocalStateMachine.load(name, { sandbox, handlers: options.handlers });
  await options.beforeStart?.();
  return workflows.record(machine.run(input));
}

let counter = 0;
/** Onboards a fresh user through the real onboard-user workflow. */
async function onboardedUser(userGroupIds: string[]): Promise<string> {
  counter += 1;
  const userId = `leaver-${counter}`;
  const onboarded = await run('onboard-user', {
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds,
    requestedBy: 'alice',
  });
  expect(onboarded.status).toBe('SUCCEEDED');
  return userId;
}

const userExists = (userId: string) =>
  found(elastiCache.send(new DescribeUsersCommand({ UserId: userId })), UserNotFoundFault);

describe('offboard-user workflow (real ASL on the local runner)', () => {
  it('removes the user from every group, deletes it, schedules its secret for deletion and audits it', async () => {
    const userId = await onboardedUser(['orders-group', 'payments-group']);
    const startedAt = sandbox.clock.nowMs();
    const execution = await run('offboard-user', { ...sample, userId });
    const finishedAt = sandbox.clock.nowMs();

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      userId,
      removedFromUserGroupIds: ['orders-group', 'payments-group'],
      status: 'deleted',
    });
    expect(await userExists(userId)).toBe(false);
    for (const id of ['orders-group', 'payments-group']) {
      const g = await userGroup(elastiCache, id);
      expect(g).toMatchObject({ Status: 'active', UserIds: ['default'] });
      expect(g?.PendingChanges).toBeUndefined();
    }
    expect(entered(execution, 'WaitForGroupRemoval')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'CheckUserDeleted')).toBeGreaterThanOrEqual(1);

    const secret = await secrets.send(
      new DescribeSecretCommand({ SecretId: `cachegate/elasticache/users/${userId}` }),
    );
    const deletion = secret.DeletedDate?.getTime() ?? 0;
    // Seven days from when the workflow scheduled it (bounded by the run, however long a loaded
    // machine makes it in simulated time).
    expect(deletion - startedAt).toBeGreaterThanOrEqual(7 * DAY_MS);
    expect(deletion - finishedAt).toBeLessThanOrEqual(7 * DAY_MS);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'UserDeleted');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: sample.requestedBy,
      requestId: sample.requestId,
      subject: { userId, userGroupIds: 'orders-group,payments-group' },
    });
  });

  it('is idempotent: offboarding again finds only the scheduled secret, keeps its deletion date and audits no second deletion', async () => {
    const userId = await onboardedUser(['audit-group']);
    expect((await run('offboard-user', { userId })).status).toBe('SUCCEEDED');
    const deletions = () =>
      sandbox
        .model<EventBridgeModel>('EventBridge')
        .events.filter(
          (e) =>
            e.detailType === 'UserDeleted' &&
            (e.detail as { subject: { userId: string } }).subject.userId === userId,
        ).length;
    expect(deletions()).toBe(1);
    const first = await secrets.send(
      new DescribeSecretCommand({ SecretId: `cachegate/elasticache/users/${userId}` }),
    );
    const again = await run('offboard-user', { userId });
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'DeleteCacheUser')).toBe(0);
    const second = await secrets.send(
      new DescribeSecretCommand({ SecretId: `cachegate/elasticache/users/${userId}` }),
    );
    expect(second.DeletedDate).toEqual(first.DeletedDate);
    // The chaos test found the repeat publishing UserDeleted for a deletion it did not make.
    expect(deletions()).toBe(1);
  });

  it('waits for a pending addition to finish, then removes the user', async () => {
    const saved = { ...model.delays };
    const userId = await onboardedUser(['orders-group']);
    // 15 simulated minutes (0.9 s real): still pending when validation looks, after the claim
    // step's time, even at load ≈ 35 (4 minutes were over before the first look there).
    Object.assign(model.delays, { userGroupModify: 900_000 });
    const execution = await run(
      'offboard-user',
      { userId },
      {
        beforeStart: () =>
          elastiCache.send(
            new ModifyUserGroupCommand({ UserGroupId: 'audit-group', UserIdsToAdd: [userId] }),
          ),
      },
    ).finally(() => Object.assign(model.delays, saved));
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ removedFromUserGroupIds: ['orders-group', 'audit-group'] });
    expect((await userGroup(elastiCache, 'audit-group'))?.UserIds).toEqual(['default']);
    // The first look finds the addition pending; once it lands, the removal is requested.
    expect(entered(execution, 'RemoveUserFromGroup')).toBeGreaterThanOrEqual(3);
  });

  it('retries RemoveUserFromGroup while the group is busy with another change (InvalidUserGroupStateFault)', async () => {
    const saved = { ...model.delays };
    const userId = await onboardedUser(['payments-group']);
    const bystander = `${userId}-bystander`;
    model.seedUser({ userId: bystander, userName: bystander, accessString: 'on ~* -@all +get' });
    // 5 simulated minutes of someone else's addition: the first removal request meets a
    // modifying group, and the retries (10 s, x1.5, 12 attempts: ~5.5 h) outlast it.
    Object.assign(model.delays, { userGroupModify: 300_000 });
    try {
      const execution = await run(
        'offboard-user',
        { userId },
        {
          beforeStart: () =>
            elastiCache.send(
              new ModifyUserGroupCommand({ UserGroupId: 'payments-group', UserIdsToAdd: [bystander] }),
            ),
        },
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain('InvalidUserGroupStateFault');
      expect((await userGroup(elastiCache, 'payments-group'))?.UserIds).toEqual(['default', bystander]);
      expect(await userExists(userId)).toBe(false);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('fails as OffboardUser.Failed, naming the cause, and deletes nothing when a group removal fails for good', async () => {
    const userId = await onboardedUser(['audit-group']);
    const deletesBefore = sandbox.faults.calls('ElastiCache', 'DeleteUser');
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'ModifyUserGroup',
      mode: 'throw',
      error: () => serviceFault(InvalidParameterValueException, 'the test refuses this removal'),
    });
    const execution = await run('offboard-user', { userId });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OffboardUser.Failed');
    expect(execution.cause).toMatch(/the test refuses this removal/);
    expect(await userExists(userId)).toBe(true);
    expect(sandbox.faults.calls('ElastiCache', 'DeleteUser')).toBe(deletesBefore);
  });

  it('retries DeleteUser while the user is being modified (InvalidUserStateFault)', async () => {
    const saved = { ...model.delays };
    const userId = await onboardedUser(['orders-group']);
    // 15 simulated minutes: the user is still modifying when DeleteUser runs even if a loaded
    // machine makes the group-removal phase slow, and well inside the retry budget (~40 min).
    Object.assign(model.delays, { userModify: 900_000 });
    try {
      const execution = await run(
        'offboard-user',
        { userId },
        {
          beforeStart: () =>
            elastiCache.send(
              new ModifyUserCommand({ UserId: userId, AccessString: 'on ~orders:* -@all +get' }),
            ),
        },
      );
      expect(execution.status).toBe('SUCCEEDED');
      expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain('InvalidUserStateFault');
      expect(await userExists(userId)).toBe(false);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries injected faults: a state fault on DeleteUser, then a crash of the delete step after DeleteUser was accepted', async () => {
    const userId = await onboardedUser(['payments-group']);
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'DeleteUser',
      mode: 'throw',
      error: () => serviceFault(InvalidUserStateFault, `User ${userId} is modifying, not active.`),
    });
    let calls = 0;
    const crashingDelete: LambdaHandler = async (event, context) => {
      calls += 1;
      const result = await (deleteCacheUser as LambdaHandler)(event, context);
      if (calls === 2) throw new LambdaCrashSignal('the test, after DeleteUser was accepted');
      return result;
    };
    const execution = await run(
      'offboard-user',
      { userId },
      { handlers: { 'delete-cache-user': crashingDelete } },
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toEqual(
      expect.arrayContaining(['InvalidUserStateFault', 'Lambda.Unknown']),
    );
    expect(await userExists(userId)).toBe(false);
  });

  it('while the group removal and the deletion are pending, waits and looks again without asking twice', async () => {
    const saved = { ...model.delays };
    const userId = await onboardedUser(['orders-group']);
    // 10 simulated minutes each: the looks every 15 s find each change still pending many times.
    Object.assign(model.delays, { userGroupModify: 600_000, userDelete: 600_000 });
    try {
      const execution = await run('offboard-user', { userId });
      expect(execution.status).toBe('SUCCEEDED');
      // "pending" means wait and look again: one removal request for the one group, one deletion.
      expect(entered(execution, 'CheckGroupRemoval')).toBeGreaterThanOrEqual(2);
      expect(entered(execution, 'RemoveUserFromGroup')).toBe(1);
      expect(entered(execution, 'CheckUserDeleted')).toBeGreaterThanOrEqual(2);
      expect(entered(execution, 'DeleteCacheUser')).toBe(1);
      expect(await userExists(userId)).toBe(false);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries a throttled and then a crashed deletion check (CheckUserDeleted), then finishes', async () => {
    const userId = await onboardedUser(['audit-group']);
    let calls = 0;
    const flakyCheck: LambdaHandler = async (event, context) => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      if (calls === 2) throw new LambdaCrashSignal('the test, in the deletion check');
      return (checkCacheUser as LambdaHandler)(event, context);
    };
    const execution = await run(
      'offboard-user',
      { userId },
      { handlers: { 'check-cache-user': flakyCheck } },
    );
    expect(execution.status).toBe('SUCCEEDED');
    const checkFailures = ofType(execution, 'StateFailed')
      .filter((e) => e.state.name === 'CheckUserDeleted')
      .map((e) => e.Error);
    expect(checkFailures).toEqual(['Throttling', 'Lambda.Unknown']);
    expect(await userExists(userId)).toBe(false);
  });

  it("an unexpected validation failure releases the user's claim, keeps the error and changes nothing", async () => {
    const userId = await onboardedUser(['orders-group']);
    const broken: LambdaHandler = async () => {
      throw Object.assign(new Error('the test breaks validation'), { name: 'UnexpectedError' });
    };
    const execution = await run(
      'offboard-user',
      { userId },
      { handlers: { 'validate-offboard-user': broken } },
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('UnexpectedError');
    expect(execution.cause).toMatch(/the test breaks validation/);
    // Released: the next change of this user does not wait for a dead run's claim.
    expect(await currentUserClaim(userId)).toBeUndefined();
    expect(await userExists(userId)).toBe(true);
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
      [
        'an unknown user',
        () => ({ userId: 'nobody-here' }),
        'OffboardUser.InvalidInput',
        /userId: user nobody-here does not exist/,
      ],
      [
        'the built-in default user',
        () => ({ userId: 'default' }),
        'OffboardUser.InvalidInput',
        /userId: "default" is the built-in user/,
      ],
      [
        "a group's default user",
        () => {
          model.seedUser({ userId: 'locked-default', userName: 'default', accessString: 'off -@all' });
          model.seedUserGroup({ id: 'hardened-group', userIds: ['locked-default'] });
          return { userId: 'locked-default' };
        },
        'OffboardUser.InvalidInput',
        /userId: user locked-default is the default user of hardened-group/,
      ],
      [
        'a malformed user ID',
        () => ({ userId: '1-bad id' }),
        'OffboardUser.InvalidInput',
        /userId: must be 1-40/,
      ],
    ];

    it.each(cases)('%s', async (_, input, error, cause) => {
      const resolved = input();
      const mutations = () => [
        ...['ModifyUserGroup', 'DeleteUser'].map((c) => sandbox.faults.calls('ElastiCache', c)),
        sandbox.faults.calls('Secrets Manager', 'DeleteSecret'),
      ];
      const before = mutations();
      const execution = await run('offboard-user', resolved);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe(error);
      expect(causeOf(execution)).toMatch(cause);
      expect(mutations()).toEqual(before);
    });
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 5);
  });
});
