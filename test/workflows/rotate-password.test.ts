import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import { AUDITED_LABEL, PASSWORDS_SET_LABEL } from '../../functions/use-cases/rotation-contract.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
import { CACHE_SERVICES, type CacheServiceAdapter } from './cache-services.js';
import { causeOf, expectNoPasswordLeak, ofType, sampleInput } from './rbac-fixture.js';
import {
  clearProbe,
  lambdaContext,
  PasswordMirror,
  pointProbeAt,
  SimulatedClient,
  secretStages,
  secretVersions,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';
import { FAULT_MODES, failingOnce, type FaultMode } from './fault-matrix.js';
import { captureHandlerLogs } from './handler-logs.js';

/*
 * The rotate-password workflow (statemachines/rotate-password.asl.json and its Lambdas) on each
 * cache service: one suite per service for what both share (ModifyUser or UpdateUser, user
 * groups or ACLs, secrets under cachegate/<service>/users/, a lock per service), then what only
 * one of them has. A real redis-server per service mirrors the model's users, and the probe
 * AUTHs against it (ROTATION_PROBE_ENDPOINT, MEMORYDB_ROTATION_PROBE_ENDPOINT).
 */

/** Interop: mandatory when CI is set, skipped with a printed reason otherwise. */
const hasRedis = requireBinary('redis-server');
const [ELASTICACHE, MEMORYDB] = CACHE_SERVICES as [CacheServiceAdapter, CacheServiceAdapter];
const PROBE_PREFIX = { elasticache: '', memorydb: 'MEMORYDB_' } as const;

let sandbox: Sandbox;
const redisServers: RedisServer[] = [];
/** Each service's users' passwords, mirrored into its own redis-server. */
const mirrors = new Map<CacheServiceAdapter, PasswordMirror>();
const mirrorOf = (svc: CacheServiceAdapter) => mirrors.get(svc) as PasswordMirror;
const runs: LocalExecution[] = [];
/** Every log line the handlers write (Powertools at DEBUG, captured instead of printed). */
let handlerLogs: ReturnType<typeof captureHandlerLogs>;

beforeAll(async () => {
  // The handlers (and their shared Logger) load lazily at their first invocation, after this.
  handlerLogs = captureHandlerLogs();
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  for (const svc of CACHE_SERVICES) {
    let redis: RedisServer | undefined;
    if (hasRedis) {
      redis = await startRedisServer();
      redisServers.push(redis);
      pointProbeAt(redis.port, { service: svc.service });
    }
    mirrors.set(svc, new PasswordMirror(svc.model(sandbox), redis).install());
  }
});
afterAll(async () => {
  await handlerLogs.stop();
  for (const mirror of mirrors.values()) mirror.uninstall();
  clearProbe();
  for (const redis of redisServers) await redis.stop();
  await sandbox.close();
});

const FUNCTIONS = [
  'begin-password-rotation',
  'store-pending-password',
  'set-rotation-passwords',
  'check-rotation-passwords',
  'verify-pending-password',
  'promote-pending-password',
  'finish-password-rotation',
] as const;

const machines: Partial<Record<'rotate-password' | 'rotate-all', LocalStateMachine>> = {};
let counter = 0;
const nextUserId = (prefix = 'rot') => `${prefix}-${(counter += 1)}`;

async function run(
  workflow: 'rotate-password' | 'rotate-all',
  input: unknown,
  handlers?: Record<string, LambdaHandler>,
  beforeRun?: () => Promise<unknown>,
): Promise<LocalExecution> {
  // Loading validates the definition and takes real time: a machine with the real handlers is
  // loaded once; one with replaced handlers for its run.
  const machine = handlers
    ? LocalStateMachine.load(workflow, { sandbox, handlers })
    : (machines[workflow] ??= LocalStateMachine.load(workflow, { sandbox }));
  await beforeRun?.();
  const execution = await machine.run(input);
  runs.push(execution);
  return execution;
}

async function seedUser(svc: CacheServiceAdapter, userId = nextUserId()) {
  return { userId, ...(await seedRotatableUser(sandbox, userId, {}, svc.service)) };
}

async function passwordOf(secretArn: string, versionId: string): Promise<string> {
  const { SecretString } = await secretsClient().send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionId: versionId }),
  );
  return (JSON.parse(SecretString ?? '{}') as { password: string }).password;
}

/** The end state every successful rotation must reach, whatever failed on the way. */
async function expectRotated(
  svc: CacheServiceAdapter,
  execution: LocalExecution,
  user: { userId: string; secretArn: string },
  versionsBefore: Record<string, string[]>,
  client?: SimulatedClient,
) {
  expect(execution.status).toBe('SUCCEEDED');
  if (client) {
    expect(client.failures).toEqual([]);
    expect(client.attempts).toBeGreaterThan(1);
  }
  const output = execution.output as { versionId: string; previousVersionId: string; status: string };
  expect(output.status).toBe('rotated');
  const versions = await secretVersions(user.secretArn);
  const oldCurrent = Object.entries(versionsBefore).find(([, s]) => s.includes('AWSCURRENT'))?.[0] ?? '';
  // No version lost, exactly one new one (retries reused it), labels handed over.
  expect(Object.keys(versions).sort()).toEqual([...Object.keys(versionsBefore), output.versionId].sort());
  expect(versions[output.versionId]).toEqual(['AWSCURRENT']);
  expect(versions[oldCurrent]).toEqual(['AWSPREVIOUS']);
  expect(output.previousVersionId).toBe(oldCurrent);
  expect(Object.values(versions).flat()).not.toContain('AWSPENDING');
  // The user holds exactly [new, old]: both labelled versions work, nothing else does.
  expect(mirrorOf(svc).passwords.get(user.userId)).toEqual([
    await passwordOf(user.secretArn, output.versionId),
    await passwordOf(user.secretArn, oldCurrent),
  ]);
  expect(mirrorOf(svc).maxPasswordCount).toBeLessThanOrEqual(2);
  expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
}

describe.each(CACHE_SERVICES)('rotate-password on $label (real ASL on the local runner)', (svc) => {
  const other = svc === ELASTICACHE ? MEMORYDB : ELASTICACHE;
  const rotate = (
    input: Record<string, unknown>,
    handlers?: Record<string, LambdaHandler>,
    beforeRun?: () => Promise<unknown>,
  ) => run('rotate-password', { ...svc.input, ...input }, handlers, beforeRun);

  /** Rotates while a client keeps authenticating with AWSCURRENT; returns the run and the client. */
  async function rotateWatched(
    user: { userId: string; secretArn: string },
    handlers?: Record<string, LambdaHandler>,
    beforeRun?: () => Promise<unknown>,
  ): Promise<{ run: LocalExecution; client: SimulatedClient }> {
    const client = new SimulatedClient(svc.model(sandbox), mirrorOf(svc), [user]);
    client.start();
    const execution = await rotate(
      { userId: user.userId, requestedBy: 'alice', requestId: 'req-rotation' },
      handlers,
      beforeRun,
    );
    await client.stop();
    return { run: execution, client };
  }

  it('rotates: AWSPENDING set as [new, current], verified, promoted, audited; a client never fails', async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    const otherModifies = sandbox.faults.calls(other.label, other.commands.modifyUser);
    const modifies = sandbox.faults.calls(svc.label, svc.commands.modifyUser);
    const { run: execution, client } = await rotateWatched(user);
    await expectRotated(svc, execution, user, before, client);
    expect(execution.output).toMatchObject({
      userId: user.userId,
      secretArn: user.secretArn,
      verification: hasRedis ? 'verified' : 'skipped',
    });
    // No needless step: one pass through the steps, and a wait loop that looks at most 3 times
    // (the user settles 30 s after the change; first look at 20 s, then every 5 s). Fewer looks
    // when a loaded machine makes the steps take longer in simulated time.
    const names = ofType(execution, 'StateEntered').map((e) => e.state.name);
    const loop = [
      'WaitForRotationPasswords',
      'CheckRotationPasswords',
      'RotationPasswordsSet?',
      'WaitForRotationPasswordsAgain',
    ];
    expect(names.filter((n) => !loop.includes(n))).toEqual([
      'BeginRotation',
      'RotationReady?',
      'StorePendingPassword',
      'StartPasswordChecks',
      'SetRotationPasswords',
      'VerifyPendingPassword',
      'PromotePendingPassword',
      'FinishRotation',
      'Rotated',
    ]);
    expect(names.filter((n) => n === 'CheckRotationPasswords').length).toBeLessThanOrEqual(3);
    // Only this service was asked to change the user.
    expect(sandbox.faults.calls(svc.label, svc.commands.modifyUser)).toBeGreaterThan(modifies);
    expect(sandbox.faults.calls(other.label, other.commands.modifyUser)).toBe(otherModifies);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'PasswordRotated');
    expect(audit.at(-1)?.detail).toMatchObject({
      action: 'PasswordRotated',
      actor: 'alice',
      requestId: 'req-rotation',
      subject: {
        userId: user.userId,
        secretArn: user.secretArn,
        versionId: (execution.output as { versionId: string }).versionId,
        ...svc.input,
      },
    });
  });

  it('a second rotation drops the oldest password, and only then', async () => {
    const user = await seedUser(svc);
    const first = await rotateWatched(user);
    const afterFirst = await secretVersions(user.secretArn);
    const second = await rotateWatched(user);
    await expectRotated(svc, second.run, user, afterFirst, second.client);
    expect(first.client.failures).toEqual([]);
    expect(Object.keys(await secretVersions(user.secretArn))).toHaveLength(3);
  });

  it('waits while the user is being modified, then rotates', async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    model.delays.userModify = 240_000;
    try {
      // Modified once the machine is loaded (loading takes longer than the change at this speed).
      const { run: execution, client } = await rotateWatched(user, undefined, () =>
        svc.modifyAccessString(user.userId, 'on ~app:* +@read +@write'),
      );
      await expectRotated(svc, execution, user, before, client);
      expect(
        ofType(execution, 'StateEntered').filter((e) => e.state.name === 'WaitForUserActive').length,
      ).toBeGreaterThanOrEqual(1);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('while the new passwords are being applied, waits and checks again without setting them twice', async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    // Longer than the first wait: the first check sees the change still pending.
    model.delays.userModify = 60_000;
    try {
      const { run: execution, client } = await rotateWatched(user);
      await expectRotated(svc, execution, user, before, client);
      const names = ofType(execution, 'StateEntered').map((e) => e.state.name);
      expect(names.filter((n) => n === 'WaitForRotationPasswordsAgain').length).toBeGreaterThanOrEqual(1);
      expect(names.filter((n) => n === 'SetRotationPasswords')).toHaveLength(1);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  /** verify-pending-password, with its first call made in `firstCall`'s conditions. */
  async function verifyFailingFirst(
    firstCall: (verify: () => Promise<unknown>) => Promise<unknown>,
  ): Promise<{ handler: LambdaHandler; calls: () => number }> {
    const real = (
      (await import('../../functions/verify-pending-password/handler.js')) as { handler: LambdaHandler }
    ).handler;
    let calls = 0;
    return {
      calls: () => calls,
      handler: async (event, context) => {
        calls += 1;
        return calls > 1 ? real(event, context) : firstCall(() => real(event, context));
      },
    };
  }

  (hasRedis ? it : it.skip)(
    'checks again a pending password the cache refuses at first (not applied everywhere yet), then promotes it',
    async () => {
      const user = await seedUser(svc);
      const before = await secretVersions(user.secretArn);
      const redis = mirrorOf(svc).redis as RedisServer;
      // The first check meets a cache that still knows only the old password: a real AUTH refusal.
      const verify = await verifyFailingFirst(async (check) => {
        const passwords = mirrorOf(svc).passwords.get(user.userId) ?? [];
        await redis.command(['ACL', 'SETUSER', user.userId, 'resetpass', `>${passwords.at(-1) ?? ''}`]);
        try {
          return await check();
        } finally {
          await redis.command(['ACL', 'SETUSER', user.userId, 'resetpass', ...passwords.map((p) => `>${p}`)]);
        }
      });
      const { run: execution, client } = await rotateWatched(user, {
        'verify-pending-password': verify.handler,
      });
      expect(verify.calls()).toBeGreaterThanOrEqual(2);
      expect(ofType(execution, 'StateRetried').length).toBeGreaterThanOrEqual(1);
      await expectRotated(svc, execution, user, before, client);
      expect(execution.output).toMatchObject({ verification: 'verified' });
    },
  );

  (hasRedis ? it : it.skip)(
    'retries the pending-password check when the probe cannot reach the cache at first, then promotes',
    async () => {
      const user = await seedUser(svc);
      const before = await secretVersions(user.secretArn);
      const variable = `${PROBE_PREFIX[svc.service]}ROTATION_PROBE_ENDPOINT`;
      // The first attempt connects to a closed port: the probe's real "cannot reach" error.
      const verify = await verifyFailingFirst(async (check) => {
        const endpoint = process.env[variable];
        process.env[variable] = '127.0.0.1:1';
        try {
          return await check();
        } finally {
          process.env[variable] = endpoint;
        }
      });
      const { run: execution, client } = await rotateWatched(user, {
        'verify-pending-password': verify.handler,
      });
      expect(verify.calls()).toBeGreaterThanOrEqual(2);
      await expectRotated(svc, execution, user, before, client);
      expect(execution.output).toMatchObject({ verification: 'verified' });
    },
  );

  it('reuses the AWSPENDING version a dead run left (no orphan, no second pending)', async () => {
    const user = await seedUser(svc);
    const leftover = 'deadbeef-0000-4000-8000-00000000dead';
    await secretsClient().send(
      new PutSecretValueCommand({
        SecretId: user.secretArn,
        ClientRequestToken: leftover,
        SecretString: JSON.stringify({ username: user.userId, password: generatePassword() }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const before = await secretVersions(user.secretArn);
    const { run: execution, client } = await rotateWatched(user);
    expect(execution.output).toMatchObject({ versionId: leftover });
    const beforeWithoutPending = Object.fromEntries(Object.entries(before).filter(([id]) => id !== leftover));
    await expectRotated(svc, execution, user, beforeWithoutPending, client);
  });

  it('serialises concurrent rotations of one user: the second exits as skipped, nothing doubles', async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    const client = new SimulatedClient(svc.model(sandbox), mirrorOf(svc), [user]);
    client.start();
    const [a, b] = await Promise.all([rotate({ userId: user.userId }), rotate({ userId: user.userId })]);
    await client.stop();
    const outcomes = [a, b].map((r) => (r.output as { status: string }).status).sort();
    expect(outcomes).toEqual(['rotated', 'skipped']);
    const winner = [a, b].find(
      (r) => (r.output as { status: string }).status === 'rotated',
    ) as LocalExecution;
    expect(([a, b].find((r) => r !== winner)?.output as { reason: string }).reason).toMatch(
      /another workflow is changing user .* \(/,
    );
    await expectRotated(svc, winner, user, before, client);
  });

  it('a run started after the first one finished rotates again (the lock was released)', async () => {
    const { userId } = await seedUser(svc);
    await rotate({ ...sampleInput<object>('rotate-password'), userId });
    const again = await rotate({ userId });
    expect((again.output as { status: string }).status).toBe('rotated');
  });

  describe('refuses what rotation cannot repair, changing nothing and releasing the lock', () => {
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['a user that does not exist', async () => 'no-such-user', /user no-such-user does not exist/],
      [
        'a user without a cachegate secret',
        async () => {
          const userId = nextUserId();
          svc.seedUser(sandbox, { userId, accessString: 'on ~* +@read', passwords: [generatePassword()] });
          return userId;
        },
        /has no cachegate secret/,
      ],
      [
        'a user without passwords',
        async () => {
          const userId = nextUserId();
          svc.seedUser(sandbox, { userId, accessString: 'on ~* +@read' });
          return userId;
        },
        /does not authenticate with passwords \(no-password\)/,
      ],
      [
        'a secret whose AWSCURRENT is for another user name',
        async () => {
          const { userId, secretArn } = await seedUser(svc);
          await secretsClient().send(
            new PutSecretValueCommand({
              SecretId: secretArn,
              SecretString: JSON.stringify({ username: 'somebody-else', password: generatePassword() }),
            }),
          );
          return userId;
        },
        /is not a secret for user name/,
      ],
    ];
    it.each(cases)('%s', async (_, setUp, cause) => {
      const userId = await setUp();
      const modifies = sandbox.faults.calls(svc.label, svc.commands.modifyUser);
      const puts = sandbox.faults.calls('Secrets Manager', 'PutSecretValue');
      const execution = await rotate({ userId });
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('RotatePassword.Refused');
      expect(causeOf(execution)).toMatch(cause);
      expect(sandbox.faults.calls(svc.label, svc.commands.modifyUser)).toBe(modifies);
      expect(sandbox.faults.calls('Secrets Manager', 'PutSecretValue')).toBe(puts);
      expect(await currentUserClaim(userId, svc.service)).toBeUndefined();
    });

    it('a user that stays `modifying` past the wait limit', async () => {
      const { userId } = await seedUser(svc);
      const model = svc.model(sandbox);
      const saved = { ...model.delays };
      model.delays.userModify = 10_000_000;
      try {
        await svc.modifyAccessString(userId, 'on ~app:* +@read +@write');
        const execution = await rotate({ userId });
        expect(execution.error).toBe('RotatePassword.Refused');
        expect(causeOf(execution)).toMatch(/is still modifying after 20 checks/);
      } finally {
        Object.assign(model.delays, saved);
      }
    });

    it('an unknown service, before anything runs', async () => {
      const user = await seedUser(svc);
      const before = await secretVersions(user.secretArn);
      const refused = await rotate({ userId: user.userId, service: 'redis' });
      expect(refused.status).toBe('FAILED');
      expect(refused.error).toBe('RotatePassword.Refused');
      expect(refused.cause).toMatch(/service/);
      expect(await secretVersions(user.secretArn)).toEqual(before);
    });
  });

  describe('fault injection: a step fails on its first attempt, and the rotation still ends right', () => {
    /*
     * Every mode on ElastiCache. On MemoryDB only the mode in which the step's work (UpdateUser
     * among it) has been done and is repeated: the others fail before the step touches the
     * service, which is the same ASL retry on both, already proven on ElastiCache.
     */
    const modes: readonly FaultMode[] = svc === ELASTICACHE ? FAULT_MODES : ['crash after the work'];

    const matrix = FUNCTIONS.flatMap((fn) => modes.map((mode) => [fn, mode] as const));
    it.each(matrix)('%s: %s', async (fn, mode) => {
      const user = await seedUser(svc, nextUserId('fault'));
      const before = await secretVersions(user.secretArn);
      const failing = await failingOnce(fn, mode);
      const { run: execution, client } = await rotateWatched(user, { [fn]: failing.handler });
      expect(failing.calls()).toBeGreaterThanOrEqual(2);
      await expectRotated(svc, execution, user, before, client);
    });

    /** The fault, how to inject it, and how many retries it must cause (null: at least one). */
    const sdkFaults: [string, () => void, number | null][] = [
      [
        `${svc.commands.modifyUser} meets InvalidUserStateFault twice`,
        () =>
          sandbox.faults.inject({
            service: svc.label,
            command: svc.commands.modifyUser,
            mode: 'throw',
            times: 2,
            error: () => svc.userBusyFault('the user'),
          }),
        2,
      ],
      [
        'PutSecretValue crashes the Lambda',
        () => sandbox.faults.inject({ service: 'Secrets Manager', command: 'PutSecretValue', mode: 'crash' }),
        null,
      ],
      [
        'UpdateSecretVersionStage hangs',
        () =>
          sandbox.faults.inject({
            service: 'Secrets Manager',
            command: 'UpdateSecretVersionStage',
            mode: 'hang',
          }),
        null,
      ],
      [
        'the lock write fails',
        () => sandbox.faults.inject({ service: 'DynamoDB', command: 'PutItem', mode: 'throw' }),
        null,
      ],
    ];
    it.each(sdkFaults)('%s', async (_, inject, retries) => {
      const user = await seedUser(svc, nextUserId('sdk'));
      const before = await secretVersions(user.secretArn);
      inject();
      const { run: execution, client } = await rotateWatched(user);
      sandbox.faults.clear();
      await expectRotated(svc, execution, user, before, client);
      if (retries === null) expect(ofType(execution, 'StateRetried').length).toBeGreaterThanOrEqual(1);
      else expect(ofType(execution, 'StateRetried').length).toBe(retries);
    });
  });

  // Each step's States.ALL Catch: a step that keeps failing (past its retriers) is abandoned
  // through AbandonRotation, which releases the lock; without the Catch the run would end with the
  // step's own error and leave the user claimed until the claim expired.
  it.each(FUNCTIONS.map((fn) => [fn]))(
    'a %s failure that outlasts the retries ends as RotatePassword.Failed, lock released, clients unaffected',
    async (fn) => {
      const user = await seedUser(svc, nextUserId('abandon'));
      let calls = 0;
      const failing: LambdaHandler = async () => {
        calls += 1;
        throw Object.assign(new Error('injected lasting failure'), { name: 'InternalFailure' });
      };
      const client = new SimulatedClient(svc.model(sandbox), mirrorOf(svc), [user]);
      client.start();
      const execution = await rotate({ userId: user.userId }, { [fn]: failing });
      await client.stop();
      expect(calls).toBeGreaterThan(1);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('RotatePassword.Failed');
      expect(ofType(execution, 'StateEntered').map((e) => e.state.name)).toContain('AbandonRotation');
      expect(client.failures).toEqual([]);
      expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
    },
  );

  // A user that never becomes active with both passwords (an adapter that drops one, a person
  // editing the user meanwhile) would keep the check looping until rotate-password's 1-hour
  // timeout, which abandons nothing, and hold up rotate-all, whose child runs have no timeout.
  it('a user that never settles after the passwords were set: abandoned after a bounded number of checks, lock released, clients unaffected', async () => {
    const user = await seedUser(svc, nextUserId('stuck'));
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    // Active at the start; modifying for days once SetRotationPasswords has sent the change.
    model.delays.userModify = 1_000_000_000;
    const client = new SimulatedClient(model, mirrorOf(svc), [user]);
    try {
      client.start();
      const execution = await rotate({ userId: user.userId });
      await client.stop();
      expect(execution.error).toBe('RotatePassword.Failed');
      expect(causeOf(execution)).toMatch(
        /was not active with two passwords after 120 checks \(now modifying/,
      );
      const names = ofType(execution, 'StateEntered').map((e) => e.state.name);
      expect(names).toContain('AbandonRotation');
      expect(names).not.toContain('PromotePendingPassword');
      expect(names.filter((n) => n === 'CheckRotationPasswords')).toHaveLength(120);
      expect(client.failures).toEqual([]);
      expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries the abandonment itself when it fails once, so the lock is still released', async () => {
    const user = await seedUser(svc, nextUserId('abandon'));
    const realAbandon = (
      (await import('../../functions/abandon-password-rotation/handler.js')) as { handler: LambdaHandler }
    ).handler;
    let abandonCalls = 0;
    const execution = await rotate(
      { userId: user.userId },
      {
        'store-pending-password': async () => {
          throw Object.assign(new Error('injected lasting failure'), { name: 'InternalFailure' });
        },
        'abandon-password-rotation': async (event, context) => {
          abandonCalls += 1;
          if (abandonCalls === 1) {
            throw Object.assign(new Error('injected failure'), { name: 'InternalFailure' });
          }
          return realAbandon(event, context);
        },
      },
    );
    expect(abandonCalls).toBe(2);
    expect(execution.error).toBe('RotatePassword.Failed');
    expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
  });

  it('a failure that outlasts the retries leaves AWSCURRENT working and the lock free; the next run finishes', async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    sandbox.faults.inject({
      service: 'Secrets Manager',
      command: 'UpdateSecretVersionStage',
      mode: 'throw',
      times: 100,
    });
    const client = new SimulatedClient(svc.model(sandbox), mirrorOf(svc), [user]);
    client.start();
    const failed = await rotate({ userId: user.userId });
    sandbox.faults.clear();
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RotatePassword.Failed');
    await client.stop();
    expect(client.failures).toEqual([]);
    expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
    const pending = Object.entries(await secretStages(user.secretArn)).find(([, s]) =>
      s.includes('AWSPENDING'),
    )?.[0];
    expect(pending).toBeDefined();
    const { run: execution, client: second } = await rotateWatched(user);
    expect(execution.output).toMatchObject({ versionId: pending });
    await expectRotated(svc, execution, user, before, second);
  });

  it("a failure in the first step still frees the service's lock (the service is read from the input)", async () => {
    const user = await seedUser(svc);
    const before = await secretVersions(user.secretArn);
    sandbox.faults.inject({ service: svc.label, command: 'DescribeUsers', mode: 'throw', times: 100 });
    const failed = await rotate({ userId: user.userId });
    sandbox.faults.clear();
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RotatePassword.Failed');
    expect(await currentUserClaim(user.userId, svc.service)).toBeUndefined();
    expect(await secretVersions(user.secretArn)).toEqual(before);
    const next = await rotate({ userId: user.userId });
    await expectRotated(svc, next, user, before);
  });
});

describe('rotate-password on MemoryDB only (an ElastiCache namesake, a lock of its own)', () => {
  it('an ElastiCache user of the same name keeps its passwords and secret; both rotate at once', async () => {
    const userId = nextUserId('shared-name');
    const memoryDbUser = await seedUser(MEMORYDB, userId);
    const elastiCacheUser = await seedUser(ELASTICACHE, userId);
    expect(memoryDbUser.secretArn).not.toBe(elastiCacheUser.secretArn);
    const elastiCacheBefore = await secretVersions(elastiCacheUser.secretArn);
    const elastiCachePasswords = mirrorOf(ELASTICACHE).passwords.get(userId);
    const memoryDbBefore = await secretVersions(memoryDbUser.secretArn);

    const alone = await run('rotate-password', { userId, service: 'memorydb' });
    await expectRotated(MEMORYDB, alone, memoryDbUser, memoryDbBefore);
    expect(await secretVersions(elastiCacheUser.secretArn)).toEqual(elastiCacheBefore);
    expect(mirrorOf(ELASTICACHE).passwords.get(userId)).toEqual(elastiCachePasswords);

    // Separate locks: neither run finds the other's lock and ends as skipped.
    const [memoryDbRun, elastiCacheRun] = await Promise.all([
      run('rotate-password', { userId, service: 'memorydb' }),
      run('rotate-password', { userId }),
    ]);
    expect(memoryDbRun.output).toMatchObject({ status: 'rotated' });
    expect(elastiCacheRun.output).toMatchObject({ status: 'rotated' });
    expect(Object.keys(await secretVersions(elastiCacheUser.secretArn))).toHaveLength(2);
    expect(mirrorOf(ELASTICACHE).passwords.get(userId)).toHaveLength(2);
  });

  it('refuses a MemoryDB user whose only secret is an ElastiCache one, changing nothing', async () => {
    const userId = nextUserId('ec-secret-only');
    MEMORYDB.seedUser(sandbox, { userId, accessString: 'on ~app:* +@read', passwords: ['x'.repeat(32)] });
    const elastiCacheUser = await seedUser(ELASTICACHE, userId);
    const before = await secretVersions(elastiCacheUser.secretArn);
    const updates = sandbox.faults.calls('MemoryDB', 'UpdateUser');
    const refused = await run('rotate-password', { userId, service: 'memorydb' });
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('RotatePassword.Refused');
    expect(refused.cause).toMatch(/cachegate\/memorydb\/users\//);
    expect(sandbox.faults.calls('MemoryDB', 'UpdateUser')).toBe(updates);
    expect(await secretVersions(elastiCacheUser.secretArn)).toEqual(before);
    expect(await currentUserClaim(userId, 'memorydb')).toBeUndefined();
  });
});

// rotate-all and rotate-secret on ElastiCache: rotate-all.test.ts and rotate-secret.test.ts.
describe('rotate-all with service memorydb', () => {
  it('rotates exactly the members of an ACL (group:<acl>) and reports the service', async () => {
    const members = [await seedUser(MEMORYDB), await seedUser(MEMORYDB)];
    const outsider = await seedUser(MEMORYDB);
    MEMORYDB.seedGroup(
      sandbox,
      'rotation-acl',
      members.map((m) => m.userId),
    );
    const outsiderBefore = await secretVersions(outsider.secretArn);
    const client = new SimulatedClient(MEMORYDB.model(sandbox), mirrorOf(MEMORYDB), members);
    client.start();
    const execution = await run('rotate-all', {
      selector: { userGroupId: 'rotation-acl' },
      service: 'memorydb',
      requestedBy: 'scheduler',
    });
    await client.stop();
    expect(execution.status).toBe('SUCCEEDED');
    expect(client.failures).toEqual([]);
    expect(execution.output).toMatchObject({ total: 2, rotated: 2, failed: 0, skipped: 0 });
    for (const member of members) {
      expect(Object.keys(await secretVersions(member.secretArn))).toHaveLength(2);
      expect(mirrorOf(MEMORYDB).passwords.get(member.userId)).toHaveLength(2);
    }
    expect(await secretVersions(outsider.secretArn)).toEqual(outsiderBefore);
    const summary = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'PasswordRotationCompleted')
      .at(-1);
    expect(summary?.detail).toMatchObject({ subject: { service: 'memorydb', total: 2, rotated: 2 } });
  });

  it('names the missing ACL as a MemoryDB ACL', async () => {
    const execution = await run('rotate-all', {
      selector: { userGroupId: 'no-such-acl' },
      service: 'memorydb',
    });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RotateAll.InvalidInput');
    expect(execution.cause).toMatch(/MemoryDB ACL no-such-acl does not exist/);
  });
});

describe('rotate-secret (Secrets Manager native rotation) for a MemoryDB user secret', () => {
  const context = lambdaContext('cachegate-rotate-secret');
  // Imported here, not at the top: the handlers' shared Logger must load after beforeAll set DEBUG.
  const step = async (Step: string, SecretId: string, ClientRequestToken: string) => {
    const { handler } = (await import('../../functions/rotate-secret/handler.js')) as unknown as {
      handler: (e: unknown, c: unknown) => Promise<{ outcome: string }>;
    };
    return handler({ Step, SecretId, ClientRequestToken }, context);
  };

  it('sets [pending, current] on the MemoryDB user (the service read from the secret name)', async () => {
    const user = await seedUser(MEMORYDB);
    const token = randomUUID();
    const updates = sandbox.faults.calls('MemoryDB', 'UpdateUser');
    await step('createSecret', user.secretArn, token);
    await step('setSecret', user.secretArn, token);
    expect(sandbox.faults.calls('MemoryDB', 'UpdateUser')).toBe(updates + 1);
    // Poll testSecret as Secrets Manager's retries would, until the user has settled.
    for (let attempt = 0; ; attempt++) {
      try {
        await step('testSecret', user.secretArn, token);
        break;
      } catch (error) {
        expect((error as Error).name).toBe('RotationNotReadyError');
        if (attempt > 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await step('finishSecret', user.secretArn, token);
    const versions = await secretVersions(user.secretArn);
    expect(versions[token]).toEqual(['AWSCURRENT', AUDITED_LABEL, PASSWORDS_SET_LABEL]);
    expect(mirrorOf(MEMORYDB).passwords.get(user.userId)).toEqual([
      await passwordOf(user.secretArn, token),
      user.password,
    ]);
  });
});

it('never lets a password into the execution history, outputs, errors, log lines or audit events', () => {
  expect(handlerLogs.lines.join('\n')).toMatch(/pending password promoted/);
  expectNoPasswordLeak(sandbox, runs, 60, handlerLogs.lines);
});
