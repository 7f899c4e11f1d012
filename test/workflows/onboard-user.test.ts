import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { handler as createCacheUser } from '../../functions/create-cache-user/handler.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
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
import { RedisReplyError, startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
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
import { PasswordMirror } from './rotate-fixtures.js';

/*
 * The onboard-user workflow (statemachines/onboard-user.asl.json and its Lambdas) on each cache
 * service: one suite per service for what both share, then what only one of them has.
 */

const sample = sampleInput<{
  userId: string;
  userName: string;
  accessString: string;
  userGroupIds: string[];
  requestId: string;
}>('onboard-user');

let sandbox: Sandbox;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;

beforeAll(async () => {
  ({ sandbox, secrets, workflows } = await createRbacWorld());
  for (const svc of CACHE_SERVICES) {
    for (const id of ['orders-group', 'payments-group', 'busy-group']) svc.seedGroup(sandbox, id);
    svc.seedCache(sandbox, 'orders-cache', 'orders-group');
  }
  workflows.load('onboard-user');
});
afterAll(async () => sandbox.close());

function onboard(input: unknown, handlers?: Record<string, LambdaHandler>): Promise<LocalExecution> {
  if (!handlers) return workflows.run('onboard-user', input);
  return workflows.record(LocalStateMachine.load('onboard-user', { sandbox, handlers }).run(input));
}

let counter = 0;
/** A fresh request on the service; a MemoryDB user's name is its ID. */
function request(adapter: CacheServiceAdapter, overrides: Record<string, unknown> = {}) {
  counter += 1;
  const userId = (overrides.userId as string | undefined) ?? `${sample.userId}-${counter}`;
  const userName = adapter.service === 'memorydb' ? userId : `${sample.userName}-${counter}`;
  return { ...sample, ...adapter.input, userId, userName, ...overrides };
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

// The single-service tests first: the per-service suites end by filling each account to its quota.
describe('onboard-user on ElastiCache only (a user name of its own)', () => {
  const [elastiCache] = CACHE_SERVICES as [CacheServiceAdapter];
  const model = () => sandbox.model<ElastiCacheModel>('ElastiCache');

  it.each([
    [
      'a user name that is taken',
      () => {
        model().seedUser({
          userId: 'taken-name',
          userName: 'taken-name',
          accessString: 'on ~* +@read',
          passwords: ['t'.repeat(20)],
        });
        return request(elastiCache, { userName: 'taken-name' });
      },
      /userName: user name taken-name is already taken/,
    ],
    [
      'a user named default',
      () => request(elastiCache, { userName: 'default' }),
      /userName: .*harden-default-user/,
    ],
  ])('bad input: %s fails before any change, naming the field', async (_, input, cause) => {
    const resolved = input();
    const before = await serviceAccount(sandbox, elastiCache, ['CreateUser', 'ModifyUserGroup']);
    const run = await onboard(resolved);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('OnboardUser.InvalidInput');
    expect(causeOf(run)).toMatch(cause);
    expect(await serviceAccount(sandbox, elastiCache, ['CreateUser', 'ModifyUserGroup'])).toEqual(before);
    expect(entered(run, 'StoreUserPassword')).toBe(0);
  });
});

describe('onboard-user on MemoryDB only (no separate user name, the built-in open-access ACL)', () => {
  const memoryDb = CACHE_SERVICES[1] as CacheServiceAdapter;

  it.each([
    [
      'a user name that differs from the user ID',
      () => request(memoryDb, { userName: 'someone-else' }),
      /userName: MemoryDB users have no separate ID: userName must be orders-reader-\d+/,
    ],
    [
      'the open-access ACL',
      () => request(memoryDb, { userGroupIds: ['open-access'] }),
      /userGroupIds.0: open-access is MemoryDB's built-in ACL and cannot be changed/,
    ],
  ])('bad input: %s fails before any change, naming the field', async (_, input, cause) => {
    const resolved = input();
    const before = await serviceAccount(sandbox, memoryDb, ['CreateUser', 'UpdateACL']);
    const run = await onboard(resolved);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('OnboardUser.InvalidInput');
    expect(causeOf(run)).toMatch(cause);
    expect(await serviceAccount(sandbox, memoryDb, ['CreateUser', 'UpdateACL'])).toEqual(before);
    expect(entered(run, 'StoreUserPassword')).toBe(0);
  });

  // migrate-to-rbac runs on MemoryDB (migrate-to-rbac.test.ts); harden does not.
  it('harden-default-user refuses service memorydb instead of running on ElastiCache', async () => {
    const run = await workflows.run('harden-default-user', {
      service: 'memorydb',
      userGroupId: 'orders-group',
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('HardenDefaultUser.InvalidInput');
    expect(causeOf(run)).toMatch(/^service: only elasticache: MemoryDB ACLs need no default user/);
  });
});

describe.each(CACHE_SERVICES)('onboard-user on $label (real ASL on the local runner)', (svc) => {
  const other = svc.label === 'ElastiCache' ? 'MemoryDB' : 'ElastiCache';
  const account = () => serviceAccount(sandbox, svc, [svc.commands.createUser, svc.commands.modifyGroup]);

  it('creates the user from a stored secret, waits for it and for each group, and audits it', async () => {
    const input = request(svc, { userGroupIds: ['orders-group', 'payments-group'] });
    const otherCalls = sandbox.faults.calls(other, 'CreateUser');
    const run = await onboard(input);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      userId: input.userId,
      userGroupIds: ['orders-group', 'payments-group'],
      status: 'active',
    });
    expect(await svc.user(input.userId)).toMatchObject({
      status: 'active',
      userName: input.userName,
      authentication: { Type: 'password', PasswordCount: 1 },
      groups: ['orders-group', 'payments-group'],
    });
    for (const id of ['orders-group', 'payments-group']) {
      const g = await svc.group(id);
      expect(g).toMatchObject({ status: 'active' });
      expect(g?.members).toContain(input.userId);
      expect(g?.pendingChanges).toBeUndefined();
    }
    expect((await svc.group('orders-group'))?.caches).toEqual(['orders-cache']);
    expect(entered(run, 'WaitForUserActive')).toBeGreaterThanOrEqual(1);
    expect(entered(run, 'CheckGroupMembership')).toBeGreaterThanOrEqual(2);
    expect(sandbox.faults.calls(other, 'CreateUser')).toBe(otherCalls);

    const secretArn = (run.output as { secretArn: string }).secretArn;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.Name).toBe(`cachegate/${svc.service}/users/${input.userId}`);
    expect(described.Description).toBe(`cachegate: password of ${svc.label} user ${input.userId}`);
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
      subject: { userId: input.userId, userGroupIds: 'orders-group,payments-group', ...svc.input },
    });
  });

  it('accepts the input an access request starts it with (no engine or actor)', async () => {
    const { userId, userName, accessString } = request(svc);
    const run = await onboard({
      requestId: 'req-12345678',
      type: 'cache-user',
      ...svc.input,
      userId,
      userName,
      accessString,
      userGroupIds: ['orders-group'],
    });
    expect(run.status).toBe('SUCCEEDED');
  });

  it('polls slow transitions until the end state is reached', async () => {
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    model.delays[svc.groupModifyDelay] = 150_000;
    if (svc.userCreateDelay) model.delays[svc.userCreateDelay] = 100_000;
    try {
      const input = request(svc);
      const run = await onboard(input);
      expect(run.status).toBe('SUCCEEDED');
      // At least one poll found the change still pending. How many depends on how much real
      // (hence simulated) time each step takes on a loaded machine, so no exact count.
      expect(entered(run, 'CheckUserActive')).toBeGreaterThanOrEqual(svc.userCreateDelay ? 2 : 1);
      expect(entered(run, 'CheckGroupMembership')).toBeGreaterThanOrEqual(2);
      expect((await svc.group('orders-group'))?.members).toContain(input.userId);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries the group change while the group is busy with another change (its state fault)', async () => {
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    model.delays[svc.groupModifyDelay] = 600_000;
    svc.seedUser(sandbox, {
      userId: 'busy-maker',
      accessString: 'on ~* +@read',
      passwords: ['p'.repeat(32)],
    });
    try {
      // The group is `modifying` from before the run starts: the first addition must fail.
      await svc.addToGroup('busy-group', 'busy-maker');
      const input = request(svc, { userGroupIds: ['busy-group'] });
      const run = await onboard(input);
      expect(run.status).toBe('SUCCEEDED');
      expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toContain('AddUserToGroup');
      expect(ofType(run, 'StateFailed').map((e) => e.Error)).toContain(svc.faults.groupBusy);
      expect((await svc.group('busy-group'))?.members).toEqual(
        expect.arrayContaining(['busy-maker', input.userId]),
      );
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries an injected state fault and a service error on the way', async () => {
    sandbox.faults.inject({
      service: svc.label,
      command: svc.commands.modifyGroup,
      mode: 'throw',
      error: () => svc.groupBusyFault('orders-group'),
    });
    sandbox.faults.inject({ service: svc.label, command: svc.commands.createUser, mode: 'throw' });
    const run = await onboard(request(svc));
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toEqual(
      expect.arrayContaining(['CreateCacheUser', 'AddUserToGroup']),
    );
  });

  it('a Lambda crash before CreateSecret / CreateUser is retried (Lambda.Unknown)', async () => {
    sandbox.faults.inject({ service: 'Secrets Manager', command: 'CreateSecret', mode: 'crash' });
    sandbox.faults.inject({ service: svc.label, command: svc.commands.createUser, mode: 'crash' });
    const run = await onboard(request(svc));
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateFailed').map((e) => e.Error)).toEqual(['Lambda.Unknown', 'Lambda.Unknown']);
  });

  it('a crash after the secret and the user were created: the retries reuse them and the user gets the stored password', async () => {
    const store = crashAfterFirstSuccess(storeUserPassword as LambdaHandler);
    const create = crashAfterFirstSuccess(createCacheUser as LambdaHandler);
    const input = request(svc);
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
    expect((await svc.user(input.userId))?.authentication).toEqual({ Type: 'password', PasswordCount: 1 });
  });

  // The States.ALL Catch of each step: a failure that outlasts the retriers goes through
  // ReleaseClaimAfterError; without the Catch the run would end holding the user's claim.
  it.each(['store-user-password', 'create-cache-user', 'check-cache-user'])(
    'a %s failure that outlasts the retries fails the run with the claim released',
    async (fn) => {
      const input = request(svc);
      let calls = 0;
      const run = await onboard(input, {
        [fn]: async () => {
          calls += 1;
          throw Object.assign(new Error('injected lasting failure'), { name: 'InternalFailure' });
        },
      });
      expect(calls).toBeGreaterThan(1);
      expect(run.status).toBe('FAILED');
      expect(entered(run, 'ReleaseClaimAfterError')).toBe(1);
      expect(await currentUserClaim(input.userId, svc.service)).toBeUndefined();
    },
  );

  describe('with a real redis-server mirroring the users (ACL SETUSER)', () => {
    const hasRedis = requireBinary('redis-server');
    let redis: RedisServer | undefined;
    let mirror: PasswordMirror | undefined;
    beforeAll(async () => {
      if (!hasRedis) return;
      redis = await startRedisServer();
      // Users named default stay out: the mirror's own admin connection is the default user.
      mirror = new PasswordMirror(svc.model(sandbox), redis).install();
    });
    afterAll(async () => {
      mirror?.uninstall();
      await redis?.stop();
    });

    (hasRedis ? it : it.skip)(
      'the password stored by the first attempt is the one AUTH accepts, with the access string applied',
      async () => {
        const store = crashAfterFirstSuccess(storeUserPassword as LambdaHandler);
        const create = crashAfterFirstSuccess(createCacheUser as LambdaHandler);
        const input = request(svc);
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
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'an invalid access string',
        () => request(svc, { accessString: 'on ~* +@all >secret-password' }),
        /accessString: .*token 4/,
      ],
      [
        'a blocked command in the access string',
        () => request(svc, { accessString: 'on ~* +config' }),
        /accessString: /,
      ],
      [
        'the built-in user ID',
        () => request(svc, { userId: 'default' }),
        /userId: "default" is the built-in user/,
      ],
      [
        'a user ID that is taken',
        () => {
          svc.seedUser(sandbox, {
            userId: 'taken-id',
            accessString: 'on ~* +@read',
            passwords: ['i'.repeat(20)],
          });
          return request(svc, { userId: 'taken-id' });
        },
        /userId: user ID taken-id is already taken/,
      ],
      [
        'an upper-case user ID (AWS stores IDs in lower case)',
        () => request(svc, { userId: 'Orders-Upper' }),
        /userId: must be lower case \(AWS stores these IDs in lower case\): use orders-upper/,
      ],
      [
        'an unknown group',
        () => request(svc, { userGroupIds: ['orders-group', 'no-such-group'] }),
        new RegExp(`userGroupIds.1: ${svc.groupNoun} no-such-group does not exist`),
      ],
      [
        'a group that would get its 101st member',
        () => {
          const members = Array.from({ length: 100 - svc.builtInMembers }, (_, i) => `full-member-${i}`);
          for (const id of members)
            svc.seedUser(sandbox, { userId: id, accessString: 'on ~* +@read', passwords: ['m'.repeat(20)] });
          svc.seedGroup(sandbox, 'full-group', members);
          return request(svc, { userGroupIds: ['full-group'] });
        },
        new RegExp(
          `userGroupIds.0: ${svc.groupNoun} full-group has 100 users; adding one would exceed the quota of 100`,
        ),
      ],
      ['a missing field', () => ({ ...request(svc), userGroupIds: undefined }), /userGroupIds: /],
      ['an unknown service', () => request(svc, { service: 'redis-cloud' }), /service: /],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const resolved = input();
      const before = await account();
      const run = await onboard(resolved);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('OnboardUser.InvalidInput');
      expect(causeOf(run)).toMatch(cause);
      expect(run.cause).not.toContain('secret-password');
      expect(await account()).toEqual(before);
      expect(entered(run, 'StoreUserPassword')).toBe(0);
    });

    it(`the 1000-user quota names ${svc.label}`, async () => {
      const existing = (await svc.listing()).users.length;
      for (let i = existing; i < 1000; i += 1)
        svc.seedUser(sandbox, { userId: `filler-${i}`, accessString: 'off' });
      const before = await account();
      const run = await onboard(request(svc));
      expect(run.status).toBe('FAILED');
      expect(causeOf(run)).toMatch(
        new RegExp(`userId: the account already has 1000 users, the ${svc.label} quota is 1000`),
      );
      expect(await account()).toEqual(before);
    });
  });
});

it('never lets a password into the execution history or the audit events', () => {
  expectNoPasswordLeak(sandbox, workflows.executions, 12);
});
