import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sampleInput } from './rbac-fixture.js';
import { ElastiCacheClient, ModifyUserCommand } from '@aws-sdk/client-elasticache';
import { InvalidUserStateFault } from '@aws-sdk/client-elasticache';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { hangForever, LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { createTables } from '../../local/sandbox/tables.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
import {
  PasswordMirror,
  SimulatedClient,
  secretStages,
  secretVersions,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';

/** Interop: mandatory when CI is set, skipped with a printed reason otherwise. */
const hasRedis = requireBinary('redis-server');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let redis: RedisServer | undefined;
let mirror: PasswordMirror;
const runs: LocalExecution[] = [];
/** Every log line the handlers write (Powertools at DEBUG, captured instead of printed). */
const logLines: string[] = [];
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
const savedConsole = consoleMethods.map((m) => console[m]);

beforeAll(async () => {
  // The handlers (and their shared Logger) load lazily at their first invocation, after this.
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  for (const method of consoleMethods)
    console[method] = (...args: unknown[]) => void logLines.push(args.map(String).join(' '));
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  model = sandbox.model<ElastiCacheModel>('ElastiCache');
  if (hasRedis) {
    redis = await startRedisServer();
    process.env.ROTATION_PROBE_ENDPOINT = `127.0.0.1:${redis.port}`;
    process.env.ROTATION_PROBE_TLS = 'false';
  }
  mirror = new PasswordMirror(model, redis).install();
});
afterAll(async () => {
  consoleMethods.forEach((m, i) => (console[m] = savedConsole[i] as (typeof console)[typeof m]));
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  mirror.uninstall();
  delete process.env.ROTATION_PROBE_ENDPOINT;
  delete process.env.ROTATION_PROBE_TLS;
  await redis?.stop();
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

let counter = 0;
const nextUserId = (prefix = 'rot') => `${prefix}-${(counter += 1)}`;

async function rotate(
  input: unknown,
  handlers?: Record<string, LambdaHandler>,
  beforeRun?: () => Promise<void>,
): Promise<LocalExecution> {
  const machine = LocalStateMachine.load('rotate-password', { sandbox, handlers });
  await beforeRun?.();
  const run = await machine.run(input);
  runs.push(run);
  return run;
}

/** Rotates while a client keeps authenticating with AWSCURRENT; returns the run and the client. */
async function rotateWatched(
  user: { userId: string; secretArn: string },
  handlers?: Record<string, LambdaHandler>,
  beforeRun?: () => Promise<void>,
): Promise<{ run: LocalExecution; client: SimulatedClient }> {
  const client = new SimulatedClient(model, mirror, [user]);
  client.start();
  const run = await rotate(
    { userId: user.userId, requestedBy: 'alice', requestId: 'req-rotation' },
    handlers,
    beforeRun,
  );
  await client.stop();
  return { run, client };
}

const ofType = (run: LocalExecution, type: string) =>
  run.events.filter((e) => (e as { type: string }).type === type) as {
    state: { name: string };
    Error?: string;
  }[];
const entered = (run: LocalExecution) => ofType(run, 'StateEntered').length;

function causeOf(run: LocalExecution): string {
  try {
    return (JSON.parse(run.cause ?? '') as { errorMessage: string }).errorMessage;
  } catch {
    return run.cause ?? '';
  }
}

/** The end state every successful rotation must reach, whatever failed on the way. */
async function expectRotated(
  run: LocalExecution,
  client: SimulatedClient,
  user: { userId: string; secretArn: string },
  versionsBefore: Record<string, string[]>,
) {
  expect(run.status).toBe('SUCCEEDED');
  expect(client.failures).toEqual([]);
  expect(client.attempts).toBeGreaterThan(1);
  const output = run.output as { versionId: string; previousVersionId: string; status: string };
  expect(output.status).toBe('rotated');
  const versions = await secretVersions(user.secretArn);
  const [oldCurrent] =
    Object.entries(versionsBefore).find(([, stages]) => stages.includes('AWSCURRENT')) ?? [];
  // No version lost, exactly one new one (retries reused it), labels handed over.
  expect(Object.keys(versions).sort()).toEqual([...Object.keys(versionsBefore), output.versionId].sort());
  expect(versions[output.versionId]).toEqual(['AWSCURRENT']);
  expect(versions[oldCurrent ?? '']).toEqual(['AWSPREVIOUS']);
  expect(output.previousVersionId).toBe(oldCurrent);
  expect(Object.values(versions).flat()).not.toContain('AWSPENDING');
  // The user holds exactly [new, old]: both labelled versions work, nothing else does.
  const secrets = secretsClient();
  const passwordOf = async (versionId: string) => {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const { SecretString } = await secrets.send(
      new GetSecretValueCommand({ SecretId: user.secretArn, VersionId: versionId }),
    );
    return (JSON.parse(SecretString ?? '{}') as { password: string }).password;
  };
  expect(mirror.passwords.get(user.userId)).toEqual([
    await passwordOf(output.versionId),
    await passwordOf(oldCurrent ?? ''),
  ]);
  expect(mirror.maxPasswordCount).toBeLessThanOrEqual(2);
  expect(await currentUserClaim(user.userId)).toBeUndefined();
}

describe('rotate-password workflow (real ASL on the local runner)', () => {
  it('rotates: AWSPENDING set as [new, current], verified, promoted, audited; a client never fails', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const before = await secretVersions(user.secretArn);
    const { run, client } = await rotateWatched(user);
    await expectRotated(run, client, user, before);
    expect(run.output).toMatchObject({
      userId,
      secretArn: user.secretArn,
      verification: hasRedis ? 'verified' : 'skipped',
    });
    expect(entered(run)).toBeLessThanOrEqual(15);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'PasswordRotated');
    expect(audit.at(-1)?.detail).toMatchObject({
      action: 'PasswordRotated',
      actor: 'alice',
      requestId: 'req-rotation',
      subject: {
        userId,
        secretArn: user.secretArn,
        versionId: (run.output as { versionId: string }).versionId,
      },
    });
  });

  it('a second rotation drops the oldest password, and only then', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const first = await rotateWatched(user);
    const afterFirst = await secretVersions(user.secretArn);
    const second = await rotateWatched(user);
    await expectRotated(second.run, second.client, user, afterFirst);
    expect(first.client.failures).toEqual([]);
    expect(Object.keys(await secretVersions(user.secretArn))).toHaveLength(3);
  });

  it('waits while the user is being modified, then rotates', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const before = await secretVersions(user.secretArn);
    const saved = { ...model.delays };
    model.delays.userModify = 240_000;
    try {
      // Modified once the machine is loaded (loading takes longer than the change at this speed).
      const { run, client } = await rotateWatched(user, undefined, async () => {
        await createAwsClient(ElastiCacheClient, {}).send(
          new ModifyUserCommand({ UserId: userId, AccessString: 'on ~app:* +@read +@write' }),
        );
      });
      await expectRotated(run, client, user, before);
      expect(
        ofType(run, 'StateEntered').filter((e) => e.state.name === 'WaitForUserActive').length,
      ).toBeGreaterThanOrEqual(1);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('while the new passwords are being applied, waits and checks again without setting them twice', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const before = await secretVersions(user.secretArn);
    const saved = { ...model.delays };
    // Longer than the first wait: the first check sees the change still pending.
    model.delays.userModify = 60_000;
    try {
      const { run, client } = await rotateWatched(user);
      await expectRotated(run, client, user, before);
      const names = ofType(run, 'StateEntered').map((e) => e.state.name);
      expect(names.filter((n) => n === 'WaitForRotationPasswordsAgain').length).toBeGreaterThanOrEqual(1);
      expect(names.filter((n) => n === 'SetRotationPasswords')).toHaveLength(1);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  (hasRedis ? it : it.skip)(
    'checks again a pending password the cache refuses at first (not applied everywhere yet), then promotes it',
    async () => {
      const userId = nextUserId();
      const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
      const before = await secretVersions(user.secretArn);
      const real = (
        (await import('../../functions/verify-pending-password/handler.js')) as { handler: LambdaHandler }
      ).handler;
      let calls = 0;
      // The first check meets a cache that still knows only the old password: a real AUTH refusal.
      const lagging: LambdaHandler = async (event, context) => {
        calls += 1;
        if (calls > 1) return real(event, context);
        const passwords = mirror.passwords.get(userId) ?? [];
        await redis!.command(['ACL', 'SETUSER', userId, 'resetpass', `>${passwords.at(-1) ?? ''}`]);
        try {
          return await real(event, context);
        } finally {
          await redis!.command(['ACL', 'SETUSER', userId, 'resetpass', ...passwords.map((p) => `>${p}`)]);
        }
      };
      const { run, client } = await rotateWatched(user, { 'verify-pending-password': lagging });
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(ofType(run, 'StateRetried').length).toBeGreaterThanOrEqual(1);
      await expectRotated(run, client, user, before);
      expect(run.output).toMatchObject({ verification: 'verified' });
    },
  );

  (hasRedis ? it : it.skip)(
    'retries the pending-password check when the probe cannot reach the cache at first, then promotes',
    async () => {
      const userId = nextUserId();
      const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
      const before = await secretVersions(user.secretArn);
      const real = (
        (await import('../../functions/verify-pending-password/handler.js')) as { handler: LambdaHandler }
      ).handler;
      let calls = 0;
      // The first attempt connects to a closed port: the probe's real "cannot reach" error.
      const unreachable: LambdaHandler = async (event, context) => {
        calls += 1;
        if (calls > 1) return real(event, context);
        const endpoint = process.env.ROTATION_PROBE_ENDPOINT;
        process.env.ROTATION_PROBE_ENDPOINT = '127.0.0.1:1';
        try {
          return await real(event, context);
        } finally {
          process.env.ROTATION_PROBE_ENDPOINT = endpoint;
        }
      };
      const { run, client } = await rotateWatched(user, { 'verify-pending-password': unreachable });
      expect(calls).toBeGreaterThanOrEqual(2);
      await expectRotated(run, client, user, before);
      expect(run.output).toMatchObject({ verification: 'verified' });
    },
  );

  it('reuses the AWSPENDING version a dead run left (no orphan, no second pending)', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const leftover = 'deadbeef-0000-4000-8000-00000000dead';
    await secretsClient().send(
      new PutSecretValueCommand({
        SecretId: user.secretArn,
        ClientRequestToken: leftover,
        SecretString: JSON.stringify({ username: userId, password: generatePassword() }),
        VersionStages: ['AWSPENDING'],
      }),
    );
    const before = await secretVersions(user.secretArn);
    const { run, client } = await rotateWatched(user);
    expect(run.output).toMatchObject({ versionId: leftover });
    const beforeWithoutPending = Object.fromEntries(Object.entries(before).filter(([id]) => id !== leftover));
    await expectRotated(run, client, user, beforeWithoutPending);
  });

  it('serialises concurrent rotations of one user: the second exits as skipped, nothing doubles', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const before = await secretVersions(user.secretArn);
    const client = new SimulatedClient(model, mirror, [user]);
    client.start();
    const [a, b] = await Promise.all([rotate({ userId }), rotate({ userId })]);
    await client.stop();
    const outcomes = [a, b].map((r) => (r.output as { status: string }).status).sort();
    expect(outcomes).toEqual(['rotated', 'skipped']);
    const winner = [a, b].find(
      (r) => (r.output as { status: string }).status === 'rotated',
    ) as LocalExecution;
    expect(([a, b].find((r) => r !== winner)?.output as { reason: string }).reason).toMatch(
      /another workflow is changing user .* \(/,
    );
    await expectRotated(winner, client, user, before);
  });

  it('a run started after the first one finished rotates again (the lock was released)', async () => {
    const userId = nextUserId();
    await seedRotatableUser(sandbox, userId);
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
          model.seedUser({
            userId,
            userName: userId,
            accessString: 'on ~* +@read',
            passwords: [generatePassword()],
          });
          return userId;
        },
        /has no cachegate secret/,
      ],
      [
        'a user without passwords',
        async () => {
          const userId = nextUserId();
          model.seedUser({ userId, userName: userId, accessString: 'on ~* +@read' });
          return userId;
        },
        /does not authenticate with passwords \(no-password\)/,
      ],
      [
        'a secret whose AWSCURRENT is for another user name',
        async () => {
          const userId = nextUserId();
          const { secretArn } = await seedRotatableUser(sandbox, userId);
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
      const modifies = sandbox.faults.calls('ElastiCache', 'ModifyUser');
      const puts = sandbox.faults.calls('Secrets Manager', 'PutSecretValue');
      const run = await rotate({ userId });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('RotatePassword.Refused');
      expect(causeOf(run)).toMatch(cause);
      expect(sandbox.faults.calls('ElastiCache', 'ModifyUser')).toBe(modifies);
      expect(sandbox.faults.calls('Secrets Manager', 'PutSecretValue')).toBe(puts);
      expect(await currentUserClaim(userId)).toBeUndefined();
    });

    it('a user that stays `modifying` past the wait limit', async () => {
      const userId = nextUserId();
      await seedRotatableUser(sandbox, userId);
      const saved = { ...model.delays };
      model.delays.userModify = 10_000_000;
      try {
        await createAwsClient(ElastiCacheClient, {}).send(
          new ModifyUserCommand({ UserId: userId, AccessString: 'on ~app:* +@read +@write' }),
        );
        const run = await rotate({ userId });
        expect(run.error).toBe('RotatePassword.Refused');
        expect(causeOf(run)).toMatch(/is still modifying after 20 checks/);
      } finally {
        Object.assign(model.delays, saved);
      }
    });
  });

  describe('fault injection: every step fails on its first attempt, and the rotation still ends right', () => {
    type Mode =
      | 'throw before'
      | 'hang before (Lambda timeout)'
      | 'crash before'
      | 'crash after the work'
      | 'hang after the work';
    const modes: Mode[] = [
      'throw before',
      'hang before (Lambda timeout)',
      'crash before',
      'crash after the work',
      'hang after the work',
    ];
    /** The real handler, except that its first invocation fails in `mode`. */
    async function failingOnce(
      name: string,
      mode: Mode,
    ): Promise<{ handler: LambdaHandler; calls: () => number }> {
      const real = ((await import(`../../functions/${name}/handler.js`)) as { handler: LambdaHandler })
        .handler;
      let calls = 0;
      return {
        calls: () => calls,
        handler: async (event, context) => {
          calls += 1;
          if (calls > 1) return real(event, context);
          if (mode === 'throw before')
            throw Object.assign(new Error('injected failure'), { name: 'InternalFailure' });
          if (mode === 'hang before (Lambda timeout)') return hangForever();
          if (mode === 'crash before') throw new LambdaCrashSignal('the test, before the step');
          await real(event, context);
          if (mode === 'crash after the work')
            throw new LambdaCrashSignal('the test, after the step did its work');
          return hangForever();
        },
      };
    }

    const matrix = FUNCTIONS.flatMap((fn) => modes.map((mode) => [fn, mode] as const));
    it.each(matrix)('%s: %s', async (fn, mode) => {
      const userId = nextUserId('fault');
      const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
      const before = await secretVersions(user.secretArn);
      const failing = await failingOnce(fn, mode);
      const { run, client } = await rotateWatched(user, { [fn]: failing.handler });
      expect(failing.calls()).toBeGreaterThanOrEqual(2);
      await expectRotated(run, client, user, before);
    });

    const sdkFaults: [string, () => void][] = [
      [
        'ModifyUser meets InvalidUserStateFault',
        () =>
          sandbox.faults.inject({
            service: 'ElastiCache',
            command: 'ModifyUser',
            mode: 'throw',
            times: 2,
            error: () => serviceFault(InvalidUserStateFault, 'User is modifying, not active.'),
          }),
      ],
      [
        'PutSecretValue crashes the Lambda',
        () => sandbox.faults.inject({ service: 'Secrets Manager', command: 'PutSecretValue', mode: 'crash' }),
      ],
      [
        'UpdateSecretVersionStage hangs',
        () =>
          sandbox.faults.inject({
            service: 'Secrets Manager',
            command: 'UpdateSecretVersionStage',
            mode: 'hang',
          }),
      ],
      [
        'the lock write fails',
        () => sandbox.faults.inject({ service: 'DynamoDB', command: 'PutItem', mode: 'throw' }),
      ],
    ];
    it.each(sdkFaults)('%s', async (_, inject) => {
      const userId = nextUserId('sdk');
      const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
      const before = await secretVersions(user.secretArn);
      inject();
      const { run, client } = await rotateWatched(user);
      sandbox.faults.clear();
      await expectRotated(run, client, user, before);
      expect(ofType(run, 'StateRetried').length).toBeGreaterThanOrEqual(1);
    });
  });

  // Each step's States.ALL Catch: a step that keeps failing (past its retriers) is abandoned
  // through AbandonRotation, which releases the lock; without the Catch the run would end with the
  // step's own error and leave the user claimed until the claim expired.
  it.each(FUNCTIONS.map((fn) => [fn]))(
    'a %s failure that outlasts the retries ends as RotatePassword.Failed, lock released, clients unaffected',
    async (fn) => {
      const userId = nextUserId('abandon');
      const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
      let calls = 0;
      const failing: LambdaHandler = async () => {
        calls += 1;
        throw Object.assign(new Error('injected lasting failure'), { name: 'InternalFailure' });
      };
      const client = new SimulatedClient(model, mirror, [user]);
      client.start();
      const run = await rotate({ userId }, { [fn]: failing });
      await client.stop();
      expect(calls).toBeGreaterThan(1);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('RotatePassword.Failed');
      expect(ofType(run, 'StateEntered').map((e) => e.state.name)).toContain('AbandonRotation');
      expect(client.failures).toEqual([]);
      expect(await currentUserClaim(userId)).toBeUndefined();
    },
  );

  it('retries the abandonment itself when it fails once, so the lock is still released', async () => {
    const userId = nextUserId('abandon');
    await seedRotatableUser(sandbox, userId);
    const realAbandon = (
      (await import('../../functions/abandon-password-rotation/handler.js')) as { handler: LambdaHandler }
    ).handler;
    let abandonCalls = 0;
    const run = await rotate(
      { userId },
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
    expect(run.error).toBe('RotatePassword.Failed');
    expect(await currentUserClaim(userId)).toBeUndefined();
  });

  it('a failure that outlasts the retries leaves AWSCURRENT working and the lock free; the next run finishes', async () => {
    const userId = nextUserId();
    const user = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    const before = await secretVersions(user.secretArn);
    sandbox.faults.inject({
      service: 'Secrets Manager',
      command: 'UpdateSecretVersionStage',
      mode: 'throw',
      times: 100,
    });
    const client = new SimulatedClient(model, mirror, [user]);
    client.start();
    const failed = await rotate({ userId });
    sandbox.faults.clear();
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RotatePassword.Failed');
    await client.stop();
    expect(client.failures).toEqual([]);
    expect(await currentUserClaim(userId)).toBeUndefined();
    const pending = Object.entries(await secretStages(user.secretArn)).find(([, s]) =>
      s.includes('AWSPENDING'),
    )?.[0];
    expect(pending).toBeDefined();
    const { run, client: second } = await rotateWatched(user);
    expect(run.output).toMatchObject({ versionId: pending });
    await expectRotated(run, second, user, Object.fromEntries(Object.entries(before)));
  });

  it('never lets a password into the execution history, outputs, errors, log lines or audit events', async () => {
    const passwords = sandbox
      .model<SecretsManagerModel>('Secrets Manager')
      .allSecretStrings()
      .map((s) => (JSON.parse(s) as { password: string }).password);
    expect(passwords.length).toBeGreaterThanOrEqual(40);
    const history = JSON.stringify(runs.map((r) => [r.events, r.output, r.error, r.cause]));
    const audit = JSON.stringify(sandbox.model<EventBridgeModel>('EventBridge').events);
    const logs = logLines.join('\n');
    expect(logs).toMatch(/pending password promoted/);
    for (const password of passwords) {
      expect(history.includes(password)).toBe(false);
      expect(audit.includes(password)).toBe(false);
      expect(logs.includes(password)).toBe(false);
    }
  });
});
