import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { handler as checkCacheUser } from '../../functions/check-cache-user/handler.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { handler as deleteCacheUser } from '../../functions/delete-cache-user/handler.js';
import { LocalStateMachine, type LambdaHandler } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { CACHE_SERVICES, serviceAccount, type CacheServiceAdapter } from './cache-services.js';
import {
  causeOf,
  createRbacWorld,
  entered,
  expectNoPasswordLeak,
  ofType,
  sampleInput,
  type WorkflowRuns,
} from './rbac-fixture.js';

/*
 * The offboard-user workflow (statemachines/offboard-user.asl.json and its Lambdas) on each cache
 * service: one suite per service for what both share, then what only one of them has.
 */

const sample = sampleInput<{
  userId: string;
  requestedBy: string;
  requestId: string;
}>('offboard-user');

let sandbox: Sandbox;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
const DAY_MS = 86_400_000;
const [ELASTICACHE, MEMORYDB] = CACHE_SERVICES as [CacheServiceAdapter, CacheServiceAdapter];

beforeAll(async () => {
  ({ sandbox, secrets, workflows } = await createRbacWorld());
  for (const svc of CACHE_SERVICES)
    for (const id of ['orders-group', 'payments-group', 'audit-group']) svc.seedGroup(sandbox, id);
  // Loading validates a definition and takes real time, i.e. simulated minutes: do it once.
  workflows.load('onboard-user');
  workflows.load('offboard-user');
});
afterAll(async () => sandbox.close());

async function run(
  name: 'onboard-user' | 'offboard-user',
  input: unknown,
  options: { handlers?: Record<string, LambdaHandler>; beforeStart?: () => Promise<unknown> } = {},
) {
  // A machine with replaced handlers is loaded here: the stage is set after the loading.
  const machine = options.handlers
    ? LocalStateMachine.load(name, { sandbox, handlers: options.handlers })
    : workflows.load(name);
  await options.beforeStart?.();
  return workflows.record(machine.run(input));
}

let counter = 0;
/** Onboards a fresh user through the real onboard-user workflow. */
async function onboardedUser(
  svc: CacheServiceAdapter,
  userGroupIds: string[],
  userId = `leaver-${(counter += 1)}`,
): Promise<string> {
  const onboarded = await run('onboard-user', {
    ...svc.input,
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds,
    requestedBy: 'alice',
  });
  expect(onboarded.status).toBe('SUCCEEDED');
  return userId;
}

const secretOf = (userId: string, svc: CacheServiceAdapter) =>
  secrets.send(new DescribeSecretCommand({ SecretId: `cachegate/${svc.service}/users/${userId}` }));

describe.each(CACHE_SERVICES)('offboard-user on $label (real ASL on the local runner)', (svc) => {
  const offboard = (userId: string, options?: Parameters<typeof run>[2], extra: object = {}) =>
    run('offboard-user', { ...svc.input, userId, ...extra }, options);

  /** Runs `body` with the model's delays changed, and puts them back. */
  async function withDelays<T>(delays: Record<string, number>, body: () => Promise<T>): Promise<T> {
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    Object.assign(model.delays, delays);
    try {
      return await body();
    } finally {
      Object.assign(model.delays, saved);
    }
  }

  it('removes the user from every group, deletes it, schedules its secret for deletion and audits it', async () => {
    const userId = await onboardedUser(svc, ['orders-group', 'payments-group']);
    const startedAt = sandbox.clock.nowMs();
    const execution = await offboard(
      userId,
      {},
      { requestedBy: sample.requestedBy, requestId: sample.requestId },
    );
    const finishedAt = sandbox.clock.nowMs();

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      userId,
      removedFromUserGroupIds: ['orders-group', 'payments-group'],
      status: 'deleted',
    });
    expect(await svc.userExists(userId)).toBe(false);
    for (const id of ['orders-group', 'payments-group']) {
      const g = await svc.group(id);
      expect(g).toMatchObject({ status: 'active', members: [] });
      expect(g?.pendingChanges).toBeUndefined();
    }
    expect(entered(execution, 'WaitForGroupRemoval')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'CheckGroupRemoval')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'CheckUserDeleted')).toBeGreaterThanOrEqual(1);

    const deletion = (await secretOf(userId, svc)).DeletedDate?.getTime() ?? 0;
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
      subject: { userId, userGroupIds: 'orders-group,payments-group', ...svc.input },
    });
  });

  it('is idempotent: offboarding again finds only the scheduled secret, keeps its deletion date and audits no second deletion', async () => {
    const userId = await onboardedUser(svc, ['audit-group']);
    expect((await offboard(userId)).status).toBe('SUCCEEDED');
    const deletions = () =>
      sandbox
        .model<EventBridgeModel>('EventBridge')
        .events.filter(
          (e) =>
            e.detailType === 'UserDeleted' &&
            (e.detail as { subject: { userId: string } }).subject.userId === userId,
        ).length;
    expect(deletions()).toBe(1);
    const first = await secretOf(userId, svc);
    const again = await offboard(userId);
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'DeleteCacheUser')).toBe(0);
    expect((await secretOf(userId, svc)).DeletedDate).toEqual(first.DeletedDate);
    // The chaos test found the repeat publishing UserDeleted for a deletion it did not make.
    expect(deletions()).toBe(1);
  });

  it('waits for a pending addition to finish, then removes the user', async () => {
    const userId = await onboardedUser(svc, ['orders-group']);
    // 15 simulated minutes (0.9 s real): still pending when validation looks, after the claim
    // step's time, even at load ≈ 35 (4 minutes were over before the first look there).
    const execution = await withDelays({ [svc.groupModifyDelay]: 900_000 }, () =>
      offboard(userId, { beforeStart: () => svc.addToGroup('audit-group', userId) }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({ removedFromUserGroupIds: ['orders-group', 'audit-group'] });
    expect((await svc.group('audit-group'))?.members).toEqual([]);
    // The first look finds the addition pending; once it lands, the removal is requested.
    expect(entered(execution, 'RemoveUserFromGroup')).toBeGreaterThanOrEqual(3);
  });

  it('retries RemoveUserFromGroup while the group is busy with another change (its state fault)', async () => {
    const userId = await onboardedUser(svc, ['payments-group']);
    const bystander = `${userId}-bystander`;
    svc.seedUser(sandbox, {
      userId: bystander,
      accessString: 'on ~* -@all +get',
      passwords: ['b'.repeat(20)],
    });
    // 5 simulated minutes of someone else's addition: the first removal request meets a
    // modifying group, and the retries (10 s, x1.5, 12 attempts: ~5.5 h) outlast it.
    const execution = await withDelays({ [svc.groupModifyDelay]: 300_000 }, () =>
      offboard(userId, { beforeStart: () => svc.addToGroup('payments-group', bystander) }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain(svc.faults.groupBusy);
    expect((await svc.group('payments-group'))?.members).toEqual([bystander]);
    expect(await svc.userExists(userId)).toBe(false);
  });

  it('retries an injected state fault on the group change', async () => {
    const userId = await onboardedUser(svc, ['audit-group']);
    sandbox.faults.inject({
      service: svc.label,
      command: svc.commands.modifyGroup,
      mode: 'throw',
      error: () => svc.groupBusyFault('audit-group'),
    });
    const execution = await offboard(userId);
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateRetried').map((e) => e.state.name)).toContain('RemoveUserFromGroup');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain(svc.faults.groupBusy);
    expect((await svc.group('audit-group'))?.members).not.toContain(userId);
    expect(await svc.userExists(userId)).toBe(false);
  });

  it('fails as OffboardUser.Failed, naming the cause, and deletes nothing when a group removal fails for good', async () => {
    const userId = await onboardedUser(svc, ['audit-group']);
    const deletesBefore = sandbox.faults.calls(svc.label, svc.commands.deleteUser);
    sandbox.faults.inject({
      service: svc.label,
      command: svc.commands.modifyGroup,
      mode: 'throw',
      error: () => svc.invalidParameterFault('the test refuses this removal'),
    });
    const execution = await offboard(userId);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OffboardUser.Failed');
    expect(execution.cause).toMatch(/the test refuses this removal/);
    expect(await svc.userExists(userId)).toBe(true);
    expect(sandbox.faults.calls(svc.label, svc.commands.deleteUser)).toBe(deletesBefore);
  });

  it('retries DeleteUser while the user is being modified (InvalidUserStateFault)', async () => {
    const userId = await onboardedUser(svc, ['orders-group']);
    // 15 simulated minutes: the user is still modifying when DeleteUser runs even if a loaded
    // machine makes the group-removal phase slow, and well inside the retry budget (~40 min).
    const execution = await withDelays({ userModify: 900_000 }, () =>
      offboard(userId, {
        beforeStart: () => svc.modifyAccessString(userId, 'on ~orders:* -@all +get'),
      }),
    );
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateRetried').map((e) => e.state.name)).toContain('DeleteCacheUser');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain(svc.faults.userBusy);
    expect(await svc.userExists(userId)).toBe(false);
  });

  it('retries injected faults: a state fault on DeleteUser, then a crash of the delete step after DeleteUser was accepted', async () => {
    const userId = await onboardedUser(svc, ['payments-group']);
    sandbox.faults.inject({
      service: svc.label,
      command: svc.commands.deleteUser,
      mode: 'throw',
      error: () => svc.userBusyFault(userId),
    });
    let calls = 0;
    const crashingDelete: LambdaHandler = async (event, context) => {
      calls += 1;
      const result = await (deleteCacheUser as LambdaHandler)(event, context);
      if (calls === 2) throw new LambdaCrashSignal('the test, after DeleteUser was accepted');
      return result;
    };
    const execution = await offboard(userId, { handlers: { 'delete-cache-user': crashingDelete } });
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toEqual(
      expect.arrayContaining([svc.faults.userBusy, 'Lambda.Unknown']),
    );
    expect(await svc.userExists(userId)).toBe(false);
  });

  it('while the group removal and the deletion are pending, waits and looks again without asking twice', async () => {
    const userId = await onboardedUser(svc, ['orders-group']);
    // 10 simulated minutes each: the looks every 15 s find each change still pending many times.
    const execution = await withDelays({ [svc.groupModifyDelay]: 600_000, userDelete: 600_000 }, () =>
      offboard(userId),
    );
    expect(execution.status).toBe('SUCCEEDED');
    // "pending" means wait and look again: one removal request for the one group, one deletion.
    expect(entered(execution, 'CheckGroupRemoval')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'RemoveUserFromGroup')).toBe(1);
    expect(entered(execution, 'CheckUserDeleted')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'DeleteCacheUser')).toBe(1);
    expect(await svc.userExists(userId)).toBe(false);
  });

  it('retries a throttled and then a crashed deletion check (CheckUserDeleted), then finishes', async () => {
    const userId = await onboardedUser(svc, ['audit-group']);
    let calls = 0;
    const flakyCheck: LambdaHandler = async (event, context) => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      if (calls === 2) throw new LambdaCrashSignal('the test, in the deletion check');
      return (checkCacheUser as LambdaHandler)(event, context);
    };
    const execution = await offboard(userId, { handlers: { 'check-cache-user': flakyCheck } });
    expect(execution.status).toBe('SUCCEEDED');
    const checkFailures = ofType(execution, 'StateFailed')
      .filter((e) => e.state.name === 'CheckUserDeleted')
      .map((e) => e.Error);
    expect(checkFailures).toEqual(['Throttling', 'Lambda.Unknown']);
    expect(await svc.userExists(userId)).toBe(false);
  });

  it("an unexpected validation failure releases the user's claim, keeps the error and changes nothing", async () => {
    const userId = await onboardedUser(svc, ['orders-group']);
    const broken: LambdaHandler = async () => {
      throw Object.assign(new Error('the test breaks validation'), { name: 'UnexpectedError' });
    };
    const execution = await offboard(userId, { handlers: { 'validate-offboard-user': broken } });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('UnexpectedError');
    expect(execution.cause).toMatch(/the test breaks validation/);
    // Released: the next change of this user does not wait for a dead run's claim.
    expect(await currentUserClaim(userId, svc.service)).toBeUndefined();
    expect(await svc.userExists(userId)).toBe(true);
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'an unknown user without a secret',
        () => ({ userId: 'nobody-here' }),
        /userId: user nobody-here does not exist/,
      ],
      ['the built-in default user', () => ({ userId: 'default' }), /userId: "default" is the built-in user/],
      ['a malformed user ID', () => ({ userId: '1-bad id' }), /userId: must be 1-40/],
      ['an underscore in the user ID', () => ({ userId: 'bad_name' }), /userId: /],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const resolved = input();
      const snapshot = async () => ({
        ...(await serviceAccount(sandbox, svc, [svc.commands.modifyGroup, svc.commands.deleteUser])),
        deletions: sandbox.faults.calls('Secrets Manager', 'DeleteSecret'),
      });
      const before = await snapshot();
      const execution = await run('offboard-user', { ...svc.input, ...resolved });
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('OffboardUser.InvalidInput');
      expect(causeOf(execution)).toMatch(cause);
      expect(await snapshot()).toEqual(before);
      expect(entered(execution, 'RemoveFromUserGroups')).toBe(0);
    });
  });
});

describe('offboard-user on ElastiCache only (a group can hold its own default user)', () => {
  it("bad input: a group's default user fails before any change, naming the field", async () => {
    const model = sandbox.model<ElastiCacheModel>('ElastiCache');
    model.seedUser({ userId: 'locked-default', userName: 'default', accessString: 'off -@all' });
    model.seedUserGroup({ id: 'hardened-group', userIds: ['locked-default'] });
    const before = await serviceAccount(sandbox, ELASTICACHE, ['ModifyUserGroup', 'DeleteUser']);
    const execution = await run('offboard-user', { userId: 'locked-default' });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('OffboardUser.InvalidInput');
    expect(causeOf(execution)).toMatch(/userId: user locked-default is the default user of hardened-group/);
    expect(await serviceAccount(sandbox, ELASTICACHE, ['ModifyUserGroup', 'DeleteUser'])).toEqual(before);
  });
});

describe('offboard-user on MemoryDB only (the other service keeps its namesake)', () => {
  it('leaves an ElastiCache user of the same name and its secret alone', async () => {
    const name = 'shared-name';
    await onboardedUser(ELASTICACHE, ['orders-group'], name);
    await onboardedUser(MEMORYDB, ['orders-group'], name);

    const execution = await run('offboard-user', { service: 'memorydb', userId: name });
    expect(execution.status).toBe('SUCCEEDED');
    expect(await MEMORYDB.userExists(name)).toBe(false);
    expect(await ELASTICACHE.user(name)).toMatchObject({ status: 'active', groups: ['orders-group'] });
    expect((await secretOf(name, ELASTICACHE)).DeletedDate).toBeUndefined();
    expect((await secretOf(name, MEMORYDB)).DeletedDate).toBeDefined();
  });
});

it('never lets a password into the execution history or the audit events', () => {
  expectNoPasswordLeak(sandbox, workflows.executions, 20);
});
