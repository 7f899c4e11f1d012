import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ElastiCacheClient,
  InvalidUserGroupStateFault,
  ModifyUserGroupCommand,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { listUsers } from '../../functions/aws/elasticache.js';
import { handler as createCacheUser } from '../../functions/create-cache-user/handler.js';
import { handler as storeUserPassword } from '../../functions/store-user-password/handler.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { RedisReplyError, startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
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
  userId: string;
  userName: string;
  accessString: string;
  userGroupIds: string[];
  requestId: string;
}>('onboard-user');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;

beforeAll(async () => {
  ({ sandbox, model, elastiCache, secrets, workflows } = await createElastiCacheWorld());
  for (const id of ['orders-group', 'payments-group', 'busy-group'])
    model.seedUserGroup({ id, userIds: ['default'] });
});
afterAll(async () => sandbox.close());

function onboard(input: unknown, handlers?: Record<string, LambdaHandler>): Promise<LocalExecution> {
  return workflows.record(LocalStateMachine.load('onboard-user', { sandbox, handlers }).run(input));
}

let counter = 0;
function request(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    ...sample,
    userId: `${sample.userId}-${counter}`,
    userName: `${sample.userName}-${counter}`,
    ...overrides,
  };
}

/** Wraps a real handler so its first call does the work and then the Lambda runtime dies. */
function crashAfterFirstSuccess(real: LambdaHandler): { handler: LambdaHandler; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    handler: async (event, context) => {
      calls += 1;
      const result = await real(event, context);
      if (calls === 1) throw new LambdaCrashSignal('the test, after the step did its work');
      return result;
    },
  };
}

describe('onboard-user workflow (real ASL on the local runner)', () => {
  it('creates the user from a stored secret, waits for it and for each group, and audits it', async () => {
    const input = request({ userGroupIds: ['orders-group', 'payments-group'] });
    const run = await onboard(input);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      userId: input.userId,
      userGroupIds: ['orders-group', 'payments-group'],
      status: 'active',
    });
    expect(await cacheUser(elastiCache, input.userId)).toMatchObject({
      Status: 'active',
      UserName: input.userName,
      Authentication: { Type: 'password', PasswordCount: 1 },
      UserGroupIds: ['orders-group', 'payments-group'],
    });
    for (const id of ['orders-group', 'payments-group']) {
      const g = await userGroup(elastiCache, id);
      expect(g).toMatchObject({ Status: 'active' });
      expect(g?.UserIds).toContain(input.userId);
      expect(g?.PendingChanges).toBeUndefined();
    }
    expect(entered(run, 'WaitForUserActive')).toBeGreaterThanOrEqual(1);
    expect(entered(run, 'CheckGroupMembership')).toBeGreaterThanOrEqual(2);

    const secretArn = (run.output as { secretArn: string }).secretArn;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.Name).toBe(`cachegate/elasticache/users/${input.userId}`);
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'cachegate:user-id', Value: input.userId },
        { Key: 'cachegate:managed', Value: 'true' },
      ]),
    );
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const stored = JSON.parse(SecretString ?? '{}') as { username: string; password: string };
    expect(stored.username).toBe(input.userName);
    expect(stored.password).toHaveLength(64);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'UserCreated');
    expect(audit.at(-1)?.detail).toMatchObject({
      action: 'UserCreated',
      actor: 'alice',
      requestId: sample.requestId,
      subject: { userId: input.userId, userGroupIds: 'orders-group,payments-group' },
    });
  });

  it('accepts the input an access request starts it with (no engine or actor)', async () => {
    const { userId, userName, accessString } = request();
    const run = await onboard({
      requestId: 'req-12345678',
      type: 'cache-user',
      userId,
      userName,
      accessString,
      userGroupIds: ['orders-group'],
    });
    expect(run.status).toBe('SUCCEEDED');
  });

  it('polls slow transitions until the end state is reached', async () => {
    const saved = { ...model.delays };
    Object.assign(model.delays, { userCreate: 100_000, userGroupModify: 150_000 });
    try {
      const input = request();
      const run = await onboard(input);
      expect(run.status).toBe('SUCCEEDED');
      // At least one poll found the change still pending. How many depends on how much real
      // (hence simulated) time each step takes on a loaded machine, so no exact count.
      expect(entered(run, 'CheckUserActive')).toBeGreaterThanOrEqual(2);
      expect(entered(run, 'CheckGroupMembership')).toBeGreaterThanOrEqual(2);
      expect((await userGroup(elastiCache, 'orders-group'))?.UserIds).toContain(input.userId);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries ModifyUserGroup while the group is busy with another change (InvalidUserGroupStateFault)', async () => {
    const saved = { ...model.delays };
    Object.assign(model.delays, { userGroupModify: 600_000 });
    model.seedUser({
      userId: 'busy-maker',
      userName: 'busy-maker',
      accessString: 'on ~* +@read',
      passwords: ['p'.repeat(32)],
    });
    try {
      const input = request({ userGroupIds: ['busy-group'] });
      const running = onboard(input);
      await elastiCache.send(
        new ModifyUserGroupCommand({ UserGroupId: 'busy-group', UserIdsToAdd: ['busy-maker'] }),
      );
      const run = await running;
      expect(run.status).toBe('SUCCEEDED');
      const retried = ofType(run, 'StateRetried').map((e) => e.state.name);
      expect(retried).toContain('AddUserToGroup');
      expect(ofType(run, 'StateFailed').map((e) => e.Error)).toContain('InvalidUserGroupStateFault');
      expect((await userGroup(elastiCache, 'busy-group'))?.UserIds).toEqual(
        expect.arrayContaining(['default', 'busy-maker', input.userId]),
      );
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries an injected state fault and a service error on the way', async () => {
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'ModifyUserGroup',
      mode: 'throw',
      error: () =>
        serviceFault(InvalidUserGroupStateFault, 'User group orders-group is modifying, not active.'),
    });
    sandbox.faults.inject({ service: 'ElastiCache', command: 'CreateUser', mode: 'throw' });
    const run = await onboard(request());
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toEqual(
      expect.arrayContaining(['CreateCacheUser', 'AddUserToGroup']),
    );
  });

  it('a Lambda crash before CreateSecret / CreateUser is retried (Lambda.Unknown)', async () => {
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'CreateSecret', mode: 'crash' });
    sandbox.faults.inject({ service: 'ElastiCache', command: 'CreateUser', mode: 'crash' });
    const run = await onboard(request());
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateFailed').map((e) => e.Error)).toEqual(['Lambda.Unknown', 'Lambda.Unknown']);
  });

  it('a crash after the secret and the user were created: the retries reuse them and the user gets the stored password', async () => {
    const store = crashAfterFirstSuccess(storeUserPassword as LambdaHandler);
    const create = crashAfterFirstSuccess(createCacheUser as LambdaHandler);
    const input = request();
    const run = await onboard(input, {
      'store-user-password': store.handler,
      'create-cache-user': create.handler,
    });
    expect(run.status).toBe('SUCCEEDED');
    expect([store.calls(), create.calls()]).toEqual([2, 2]);
    const secretArn = (run.output as { secretArn: string }).secretArn;
    const versions = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    // One version: the retry generated a second password and threw it away.
    expect(Object.keys(versions.VersionIdsToStages ?? {})).toHaveLength(1);
    expect((await cacheUser(elastiCache, input.userId))?.Authentication).toEqual({
      Type: 'password',
      PasswordCount: 1,
    });
  });

  describe('with a real redis-server mirroring the users (ACL SETUSER)', () => {
    const hasRedis = requireBinary('redis-server');
    let redis: RedisServer | undefined;
    beforeAll(async () => {
      if (!hasRedis) return;
      const server = await startRedisServer();
      redis = server;
      // Users named default stay out: the mirror's own admin connection is the default user.
      model.onUserChanged = async (user, passwords) => {
        if (user.UserName === 'default') return;
        if (user.Status === 'deleted') {
          await server.command(['ACL', 'DELUSER', user.UserName ?? '']);
          return;
        }
        const auth = passwords.length > 0 ? passwords.map((p) => `>${p}`) : ['nopass'];
        await server.command([
          'ACL',
          'SETUSER',
          user.UserName ?? '',
          'reset',
          ...(user.AccessString ?? '').split(' '),
          ...auth,
        ]);
      };
    });
    afterAll(async () => {
      model.onUserChanged = undefined;
      await redis?.stop();
    });

    (hasRedis ? it : it.skip)(
      'the password stored by the first attempt is the one AUTH accepts, with the access string applied',
      async () => {
        const store = crashAfterFirstSuccess(storeUserPassword as LambdaHandler);
        const create = crashAfterFirstSuccess(createCacheUser as LambdaHandler);
        const input = request();
        const run = await onboard(input, {
          'store-user-password': store.handler,
          'create-cache-user': create.handler,
        });
        expect(run.status).toBe('SUCCEEDED');
        const server = redis as RedisServer;
        const { SecretString } = await secrets.send(
          new GetSecretValueCommand({ SecretId: (run.output as { secretArn: string }).secretArn }),
        );
        const { password } = JSON.parse(SecretString ?? '{}') as { password: string };
        await expect(server.command(['AUTH', input.userName, `${password}x`])).rejects.toBeInstanceOf(
          RedisReplyError,
        );
        // From here on the connection is the new user: only reads of orders:* are allowed.
        expect(await server.command(['AUTH', input.userName, password])).toBe('OK');
        expect(await server.command(['GET', 'orders:1'])).toBeNull();
        await expect(server.command(['SET', 'orders:1', 'x'])).rejects.toThrow(/NOPERM/);
      },
    );
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown> | Promise<Record<string, unknown>>, RegExp][] = [
      [
        'an invalid access string',
        () => request({ accessString: 'on ~* +@all >secret-password' }),
        /accessString: .*token 4/,
      ],
      [
        'a blocked command in the access string',
        () => request({ accessString: 'on ~* +config' }),
        /accessString: /,
      ],
      [
        'the built-in user ID',
        () => request({ userId: 'default' }),
        /userId: "default" is the built-in user/,
      ],
      [
        'a user ID that is taken',
        () => {
          model.seedUser({
            userId: 'taken-id',
            userName: 'taken-id',
            accessString: 'on ~* +@read',
            passwords: ['i'.repeat(20)],
          });
          return request({ userId: 'taken-id' });
        },
        /userId: user ID taken-id is already taken/,
      ],
      [
        'a user name that is taken',
        () => {
          model.seedUser({
            userId: 'taken-name',
            userName: 'taken-name',
            accessString: 'on ~* +@read',
            passwords: ['t'.repeat(20)],
          });
          return request({ userName: 'taken-name' });
        },
        /userName: user name taken-name is already taken/,
      ],
      [
        'an unknown user group',
        () => request({ userGroupIds: ['orders-group', 'no-such-group'] }),
        /userGroupIds.1: user group no-such-group does not exist/,
      ],
      [
        'a user group that would get its 101st member',
        () => {
          const members = Array.from({ length: 99 }, (_, i) => `full-member-${i}`);
          members.forEach((id) =>
            model.seedUser({
              userId: id,
              userName: id,
              accessString: 'on ~* +@read',
              passwords: ['m'.repeat(20)],
            }),
          );
          model.seedUserGroup({ id: 'full-group', userIds: ['default', ...members] });
          return request({ userGroupIds: ['full-group'] });
        },
        /userGroupIds.0: user group full-group has 100 users; adding one would exceed the quota of 100/,
      ],
      ['a user named default', () => request({ userName: 'default' }), /userName: .*harden-default-user/],
      ['a missing field', () => ({ ...request(), userGroupIds: undefined }), /userGroupIds: /],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const resolved = await input();
      const before = await elastiCacheAccount(sandbox, elastiCache);
      const run = await onboard(resolved);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('OnboardUser.InvalidInput');
      expect(causeOf(run)).toMatch(cause);
      expect(run.cause).not.toContain('secret-password');
      expect(await elastiCacheAccount(sandbox, elastiCache)).toEqual(before);
      expect(entered(run, 'StoreUserPassword')).toBe(0);
    });

    it('the 1000-user quota', async () => {
      const existing = (await listUsers()).length;
      for (let i = existing; i < 1000; i += 1)
        model.seedUser({ userId: `filler-${i}`, userName: `filler-${i}`, accessString: 'off' });
      const before = await elastiCacheAccount(sandbox, elastiCache);
      const run = await onboard(request());
      expect(run.status).toBe('FAILED');
      expect(causeOf(run)).toMatch(
        /userId: the account already has 1000 users, the ElastiCache quota is 1000/,
      );
      expect(await elastiCacheAccount(sandbox, elastiCache)).toEqual(before);
    });
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 7);
  });
});
