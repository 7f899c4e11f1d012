import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UserQuotaExceededFault } from '@aws-sdk/client-elasticache';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { setRotationPasswords } from '../../functions/use-cases/rotation-steps.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { handler as rotateSecret } from '../../functions/rotate-secret/handler.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { listUserGroups } from '../../functions/aws/elasticache.js';
import { causeOf, createElastiCacheWorld, type WorkflowRuns, expectNoPasswordLeak } from './rbac-fixture.js';
import {
  lambdaContext,
  PasswordMirror,
  SimulatedClient,
  secretStages,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';

/**
 * One change per user at a time: the interleavings that locked clients out or lost a secret
 * before workflows took a per-user claim (and set-rotation-passwords compared AWSCURRENT), run
 * on the real ASL. After each, a client reading AWSCURRENT authenticates and no live user's
 * secret is scheduled for deletion.
 */
let sandbox: Sandbox;
let model: ElastiCacheModel;
let workflows: WorkflowRuns;
let mirror: PasswordMirror;
let onboardMachine: LocalStateMachine;
let rotateMachine: LocalStateMachine;

beforeAll(async () => {
  ({ sandbox, model, workflows } = await createElastiCacheWorld());
  mirror = new PasswordMirror(model).install();
  model.seedUserGroup({ id: 'orders-group', userIds: ['default'] });
  // Loaded ahead: both runs of a pair must start together.
  onboardMachine = workflows.load('onboard-user');
  rotateMachine = workflows.load('rotate-password');
  // Handlers load at their first invocation: one run first, so the racing pair starts warm (a
  // cold import on a loaded machine can outlast the sandbox's Lambda deadline).
  const warm = await onboardMachine.run(onboardInput('warm-up', 'on ~orders:* -@all +@read'));
  expect(warm.status).toBe('SUCCEEDED');
});
afterAll(async () => {
  mirror.uninstall();
  await sandbox.close();
});

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${(counter += 1)}`;

/** What a client of the user sees: does AWSCURRENT authenticate, and is the secret alive? */
async function clientView(userId: string) {
  await model.settle();
  const secretId = `cachegate/elasticache/users/${userId}`;
  const described = await secretsClient().send(new DescribeSecretCommand({ SecretId: secretId }));
  const { SecretString } = await secretsClient().send(
    new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }),
  );
  const { password } = JSON.parse(SecretString ?? '{}') as { password: string };
  return {
    currentAuthenticates: (mirror.passwords.get(userId) ?? []).includes(password),
    scheduledForDeletion: described.DeletedDate !== undefined,
  };
}

function onboardInput(userId: string, accessString: string) {
  return { userId, userName: userId, accessString, userGroupIds: ['orders-group'], requestedBy: 'alice' };
}

describe('two onboardings of one user ID at once', () => {
  it.each([
    ['the same access string', 'on ~orders:* -@all +@read'],
    ['different access strings', 'on ~orders:* -@all +@write'],
  ])('%s: one onboards, the other ends changing nothing; AWSCURRENT authenticates', async (_, second) => {
    const userId = nextId('twice');
    const runs = await Promise.all([
      workflows.record(onboardMachine.run(onboardInput(userId, 'on ~orders:* -@all +@read'))),
      workflows.record(onboardMachine.run(onboardInput(userId, second))),
    ]);
    const statuses = runs.map((r) => r.status).sort();
    expect(statuses).toEqual(['FAILED', 'SUCCEEDED']);
    const loser = runs.find((r) => r.status === 'FAILED') as LocalExecution;
    // It waited for the claim, then found the user ID taken (or gave up waiting): nothing changed.
    expect(['OnboardUser.InvalidInput', 'OnboardUser.UserBusy']).toContain(loser.error);
    expect(await clientView(userId)).toEqual({ currentAuthenticates: true, scheduledForDeletion: false });
    expect(await currentUserClaim(userId)).toBeUndefined();
  });
});

describe('onboarding adopts only a user its own run created', () => {
  const group = async () => (await listUserGroups()).find((g) => g.userGroupId === 'orders-group');

  it('a user created outside cachegate between validation and CreateUser is not adopted: the run ends as "user exists", the user is left as it was', async () => {
    const userId = nextId('outsider');
    const outsiderPassword = 'o'.repeat(32);
    const machine = LocalStateMachine.load('onboard-user', {
      sandbox,
      handlers: {
        'create-cache-user': async (event, ctx) => {
          // Someone else (the console, another tool) creates the same user, same details, meanwhile.
          model.seedUser({
            userId,
            userName: userId,
            accessString: 'on ~orders:* -@all +@read',
            passwords: [outsiderPassword],
          });
          const { handler } = await import('../../functions/create-cache-user/handler.js');
          return (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(event, ctx);
        },
      },
    });
    const membersBefore = (await group())?.userIds;
    const run = await workflows.record(machine.run(onboardInput(userId, 'on ~orders:* -@all +@read')));
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('OnboardUser.Failed');
    expect(causeOf(run)).toMatch(/already exists and was not created by this run .*nothing was adopted/);
    await model.settle();
    // The outsider's user keeps its password, joins no group; no audit event claims it.
    expect(mirror.passwords.get(userId)).toEqual([outsiderPassword]);
    expect((await group())?.userIds).toEqual(membersBefore);
    const created = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => (e.detail as { subject?: { userId?: string } }).subject?.userId === userId);
    expect(created).toEqual([]);
    expect(await currentUserClaim(userId)).toBeUndefined();
  });

  it('a retried CreateUser whose first response was lost adopts the user its own run created (tagged with the execution)', async () => {
    const userId = nextId('lost-response');
    let calls = 0;
    const machine = LocalStateMachine.load('onboard-user', {
      sandbox,
      handlers: {
        'create-cache-user': async (event, ctx) => {
          const { handler } = await import('../../functions/create-cache-user/handler.js');
          const result = await (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(
            event,
            ctx,
          );
          calls += 1;
          // The user was created, then the Lambda died before answering: Step Functions retries.
          if (calls === 1) throw new LambdaCrashSignal('CreateCacheUser, after CreateUser');
          return result;
        },
      },
    });
    const run = await workflows.record(machine.run(onboardInput(userId, 'on ~orders:* -@all +@read')));
    expect(calls).toBe(2);
    expect(run.status).toBe('SUCCEEDED');
    expect(await clientView(userId)).toEqual({ currentAuthenticates: true, scheduledForDeletion: false });
  });
});

describe('clean-up deletes only what its own run created', () => {
  /** Onboards `userId` with CreateUser refused (the user quota): the run, and its secret as it is left. */
  async function onboardRefusedAtCreateUser(userId: string) {
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'CreateUser',
      mode: 'throw',
      error: () => serviceFault(UserQuotaExceededFault, 'The quota of users has been exceeded.'),
    });
    const run = await workflows.record(onboardMachine.run(onboardInput(userId, 'on ~orders:* -@all +@read')));
    const described = await secretsClient().send(
      new DescribeSecretCommand({ SecretId: `cachegate/elasticache/users/${userId}` }),
    );
    return { run, described };
  }

  it('a failed onboarding does not schedule a secret it found (and wrote into) for deletion', async () => {
    const userId = nextId('found');
    // The user's managed secret exists already (e.g. another run's, or a user being re-created).
    await secretsClient().send(
      new CreateSecretCommand({
        Name: `cachegate/elasticache/users/${userId}`,
        SecretString: JSON.stringify({ username: userId, password: 'x'.repeat(32) }),
        Tags: [
          { Key: 'cachegate:user-id', Value: userId },
          { Key: 'cachegate:managed', Value: 'true' },
        ],
      }),
    );
    const { run, described } = await onboardRefusedAtCreateUser(userId);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('OnboardUser.Failed');
    expect(described.DeletedDate).toBeUndefined();
    expect(await currentUserClaim(userId)).toBeUndefined();
  });

  it('a failed onboarding schedules the secret it created for deletion', async () => {
    const userId = nextId('own');
    const { run, described } = await onboardRefusedAtCreateUser(userId);
    expect(run.error).toBe('OnboardUser.Failed');
    expect(described.DeletedDate).toBeDefined();
  });
});

describe('rotate-password and Secrets Manager native rotation on one secret', () => {
  const context = lambdaContext('cachegate-rotate-secret');
  const invokeNative = (Step: string, SecretId: string, ClientRequestToken: string) =>
    (rotateSecret as unknown as (e: unknown, c: unknown) => Promise<{ outcome: string }>)(
      { Step, SecretId, ClientRequestToken },
      context,
    );

  /** All four steps as Secrets Manager calls them, testSecret retried until the user settles. */
  async function nativeRotation(secretArn: string): Promise<string> {
    const token = randomUUID();
    await invokeNative('createSecret', secretArn, token);
    await invokeNative('setSecret', secretArn, token);
    for (let i = 0; ; i += 1) {
      try {
        await invokeNative('testSecret', secretArn, token);
        break;
      } catch (error) {
        if ((error as Error).name !== 'RotationNotReadyError' || i > 50) throw error;
        await model.settle();
      }
    }
    await invokeNative('finishSecret', secretArn, token);
    return token;
  }

  it('a native rotation attempted between BeginRotation and SetRotationPasswords changes nothing; the workflow rotates', async () => {
    const userId = nextId('both');
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const client = new SimulatedClient(model, mirror, [user]);
    let native: unknown;
    const machine = LocalStateMachine.load('rotate-password', {
      sandbox,
      handlers: {
        'store-pending-password': async (event, ctx) => {
          native ??= await nativeRotation(user.secretArn).catch((error: Error) => error);
          await client.authenticateOnce();
          const { handler } = await import('../../functions/store-pending-password/handler.js');
          return (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(event, ctx);
        },
      },
    });
    client.start();
    const run = await workflows.record(machine.run({ userId, requestedBy: 'alice' }));
    await client.stop();
    // Before the claim: the native rotation finished here, and the workflow then set
    // [its new, the old], dropping the password AWSCURRENT held: every client locked out.
    expect(client.failures).toEqual([]);
    expect(native).toMatchObject({ name: 'UserBusyError' });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ status: 'rotated' });
    expect(mirror.maxPasswordCount).toBeLessThanOrEqual(2);
    expect(await clientView(userId)).toEqual({ currentAuthenticates: true, scheduledForDeletion: false });
    // The refused createSecret released what it took; the workflow released its own.
    expect(await currentUserClaim(userId)).toBeUndefined();
  });

  it('a rotate-password run while a native rotation is under way ends as skipped; the native rotation finishes', async () => {
    const userId = nextId('native-first');
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const token = randomUUID();
    await invokeNative('createSecret', user.secretArn, token);
    await invokeNative('setSecret', user.secretArn, token);
    const run = await workflows.record(rotateMachine.run({ userId, requestedBy: 'alice' }));
    expect(run.output).toMatchObject({ status: 'skipped' });
    expect((run.output as { reason: string }).reason).toMatch(/native-rotation:/);
    await model.settle();
    for (let i = 0; ; i += 1) {
      try {
        await invokeNative('testSecret', user.secretArn, token);
        break;
      } catch (error) {
        if (i > 50) throw error;
        await model.settle();
      }
    }
    await invokeNative('finishSecret', user.secretArn, token);
    expect((await secretStages(user.secretArn))[token]).toContain('AWSCURRENT');
    expect(await clientView(userId)).toEqual({ currentAuthenticates: true, scheduledForDeletion: false });
    expect(await currentUserClaim(userId)).toBeUndefined();
  });

  it('set-rotation-passwords refuses when AWSCURRENT moved since the rotation began (compare-and-set), sending nothing', async () => {
    const userId = nextId('moved');
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    // A native rotation that got the claim (this run's claim expired) and finished meanwhile.
    const stagesBefore = await secretStages(user.secretArn);
    const [begunWith] = Object.entries(stagesBefore).find(([, s]) => s.includes('AWSCURRENT')) ?? [];
    await nativeRotation(user.secretArn);
    await model.settle();
    const passwordsBefore = mirror.passwords.get(userId);
    const pendingToken = randomUUID();
    await expect(
      setRotationPasswords({
        userId,
        secretArn: user.secretArn,
        pendingVersionId: pendingToken,
        currentVersionId: begunWith ?? '',
      }),
    ).rejects.toMatchObject({
      name: 'RotationRefusedError',
      message: expect.stringMatching(/AWSCURRENT .* moved/),
    });
    await model.settle();
    expect(mirror.passwords.get(userId)).toEqual(passwordsBefore);
    expect(await clientView(userId)).toEqual({ currentAuthenticates: true, scheduledForDeletion: false });
  });
});

describe('safety rule 1 (docs/architecture.md): no secret in a payload', () => {
  it('no password in any execution history of these interleavings', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 5);
  });
});
