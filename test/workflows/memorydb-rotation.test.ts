import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InvalidUserStateFault } from '@aws-sdk/client-memorydb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { AUDITED_LABEL, PASSWORDS_SET_LABEL } from '../../functions/use-cases/rotation-contract.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { handler as rotateSecretHandler } from '../../functions/rotate-secret/handler.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { LambdaCrashSignal } from '../../local/sandbox/faults.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { createTables } from '../../local/sandbox/tables.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
import {
  lambdaContext,
  PasswordMirror,
  SimulatedClient,
  secretVersions,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';

/*
 * Password rotation of MemoryDB users: the same statemachines/rotate-password.asl.json,
 * rotate-all.asl.json and Lambdas as for ElastiCache, with `service: memorydb` (UpdateUser
 * instead of ModifyUser, ACLs instead of user groups, secrets under cachegate/memorydb/users/,
 * a lock of their own). A real redis-server mirrors the MemoryDB model's users, and the probe
 * AUTHs against it (MEMORYDB_ROTATION_PROBE_ENDPOINT).
 */

/** Interop: mandatory when CI is set, skipped with a printed reason otherwise. */
const hasRedis = requireBinary('redis-server');

let sandbox: Sandbox;
let model: MemoryDbModel;
let elastiCache: ElastiCacheModel;
let redis: RedisServer | undefined;
let mirror: PasswordMirror;
let elastiCacheMirror: PasswordMirror;
const runs: LocalExecution[] = [];

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  model = sandbox.model<MemoryDbModel>('MemoryDB');
  elastiCache = sandbox.model<ElastiCacheModel>('ElastiCache');
  if (hasRedis) {
    redis = await startRedisServer();
    process.env.MEMORYDB_ROTATION_PROBE_ENDPOINT = `127.0.0.1:${redis.port}`;
    process.env.MEMORYDB_ROTATION_PROBE_TLS = 'false';
  }
  mirror = new PasswordMirror(model, redis).install();
  elastiCacheMirror = new PasswordMirror(elastiCache).install();
});
afterAll(async () => {
  mirror.uninstall();
  elastiCacheMirror.uninstall();
  delete process.env.MEMORYDB_ROTATION_PROBE_ENDPOINT;
  delete process.env.MEMORYDB_ROTATION_PROBE_TLS;
  await redis?.stop();
  await sandbox.close();
});

let counter = 0;
const nextUserId = (prefix = 'mdb-rot') => `${prefix}-${(counter += 1)}`;

async function run(
  workflow: 'rotate-password' | 'rotate-all',
  input: unknown,
  handlers?: Record<string, LambdaHandler>,
): Promise<LocalExecution> {
  const machine = LocalStateMachine.load(workflow, { sandbox, handlers, lambdaTimeoutSeconds: 900 });
  const execution = await machine.run(input);
  runs.push(execution);
  return execution;
}

async function seedMemoryDbUser(userId = nextUserId()) {
  return { userId, ...(await seedRotatableUser(sandbox, userId, {}, 'memorydb')) };
}

async function passwordOf(secretArn: string, versionId: string): Promise<string> {
  const { SecretString } = await secretsClient().send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionId: versionId }),
  );
  return (JSON.parse(SecretString ?? '{}') as { password: string }).password;
}

/** The end state of a successful rotation: [new, old] on the MemoryDB user, labels handed over, lock free. */
async function expectRotated(
  execution: LocalExecution,
  user: { userId: string; secretArn: string },
  versionsBefore: Record<string, string[]>,
) {
  expect(execution.status).toBe('SUCCEEDED');
  const output = execution.output as { status: string; versionId: string; previousVersionId: string };
  expect(output.status).toBe('rotated');
  const versions = await secretVersions(user.secretArn);
  const oldCurrent = Object.entries(versionsBefore).find(([, s]) => s.includes('AWSCURRENT'))?.[0] ?? '';
  expect(Object.keys(versions).sort()).toEqual([...Object.keys(versionsBefore), output.versionId].sort());
  expect(versions[output.versionId]).toEqual(['AWSCURRENT']);
  expect(versions[oldCurrent]).toEqual(['AWSPREVIOUS']);
  expect(mirror.passwords.get(user.userId)).toEqual([
    await passwordOf(user.secretArn, output.versionId),
    await passwordOf(user.secretArn, oldCurrent),
  ]);
  expect(mirror.maxPasswordCount).toBeLessThanOrEqual(2);
  expect(await currentUserClaim(user.userId, 'memorydb')).toBeUndefined();
}

describe('rotate-password with service memorydb (real ASL on the local runner)', () => {
  it('rotates with UpdateUser, verifies with AUTH, promotes and audits; a client never fails', async () => {
    const user = await seedMemoryDbUser();
    const before = await secretVersions(user.secretArn);
    const modifies = sandbox.faults.calls('ElastiCache', 'ModifyUser');
    const client = new SimulatedClient(model, mirror, [user]);
    client.start();
    const execution = await run('rotate-password', {
      userId: user.userId,
      service: 'memorydb',
      requestedBy: 'alice',
      requestId: 'req-mdb-rotation',
    });
    await client.stop();
    await expectRotated(execution, user, before);
    expect(client.failures).toEqual([]);
    expect(client.attempts).toBeGreaterThan(1);
    expect(execution.output).toMatchObject({ verification: hasRedis ? 'verified' : 'skipped' });
    // MemoryDB only: UpdateUser was called, ElastiCache was never asked to modify anything.
    expect(sandbox.faults.calls('MemoryDB', 'UpdateUser')).toBeGreaterThanOrEqual(1);
    expect(sandbox.faults.calls('ElastiCache', 'ModifyUser')).toBe(modifies);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'PasswordRotated')
      .at(-1);
    expect(audit?.detail).toMatchObject({
      action: 'PasswordRotated',
      actor: 'alice',
      requestId: 'req-mdb-rotation',
      subject: { userId: user.userId, service: 'memorydb', secretArn: user.secretArn },
    });
  });

  it('an ElastiCache user of the same name keeps its passwords and secret; both rotate at once', async () => {
    const userId = nextUserId('shared-name');
    const memoryDbUser = await seedMemoryDbUser(userId);
    const elastiCacheUser = { userId, ...(await seedRotatableUser(sandbox, userId)) };
    expect(memoryDbUser.secretArn).not.toBe(elastiCacheUser.secretArn);
    const elastiCacheBefore = await secretVersions(elastiCacheUser.secretArn);
    const elastiCachePasswords = elastiCacheMirror.passwords.get(userId);
    const memoryDbBefore = await secretVersions(memoryDbUser.secretArn);

    const alone = await run('rotate-password', { userId, service: 'memorydb' });
    await expectRotated(alone, memoryDbUser, memoryDbBefore);
    expect(await secretVersions(elastiCacheUser.secretArn)).toEqual(elastiCacheBefore);
    expect(elastiCacheMirror.passwords.get(userId)).toEqual(elastiCachePasswords);

    // Separate locks: neither run finds the other's lock and ends as skipped.
    const [memoryDbRun, elastiCacheRun] = await Promise.all([
      run('rotate-password', { userId, service: 'memorydb' }),
      run('rotate-password', { userId }),
    ]);
    expect(memoryDbRun.output).toMatchObject({ status: 'rotated' });
    expect(elastiCacheRun.output).toMatchObject({ status: 'rotated' });
    expect(Object.keys(await secretVersions(elastiCacheUser.secretArn))).toHaveLength(2);
    expect(elastiCacheMirror.passwords.get(userId)).toHaveLength(2);
  });

  it('retries UpdateUser on InvalidUserStateFault, and a crash after UpdateUser makes no second version', async () => {
    const user = await seedMemoryDbUser();
    const before = await secretVersions(user.secretArn);
    sandbox.faults.inject({
      service: 'MemoryDB',
      command: 'UpdateUser',
      mode: 'throw',
      times: 2,
      error: () => serviceFault(InvalidUserStateFault, 'User is modifying, not active.'),
    });
    const retried = await run('rotate-password', { userId: user.userId, service: 'memorydb' });
    sandbox.faults.clear();
    await expectRotated(retried, user, before);
    expect(retried.events.filter((e) => (e as { type: string }).type === 'StateRetried').length).toBe(2);

    const crashed = await seedMemoryDbUser();
    const crashedBefore = await secretVersions(crashed.secretArn);
    const real = (
      (await import('../../functions/set-rotation-passwords/handler.js')) as { handler: LambdaHandler }
    ).handler;
    let calls = 0;
    const crashAfterWork: LambdaHandler = async (event, context) => {
      calls += 1;
      const result = await real(event, context);
      if (calls === 1) throw new LambdaCrashSignal('the test, after UpdateUser');
      return result;
    };
    const execution = await run(
      'rotate-password',
      { userId: crashed.userId, service: 'memorydb' },
      { 'set-rotation-passwords': crashAfterWork },
    );
    expect(calls).toBeGreaterThanOrEqual(2);
    await expectRotated(execution, crashed, crashedBefore);
  });

  it('a failure in the first step still frees the MemoryDB lock (the service is read from the input)', async () => {
    const user = await seedMemoryDbUser();
    const before = await secretVersions(user.secretArn);
    sandbox.faults.inject({ service: 'MemoryDB', command: 'DescribeUsers', mode: 'throw', times: 100 });
    const failed = await run('rotate-password', { userId: user.userId, service: 'memorydb' });
    sandbox.faults.clear();
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('RotatePassword.Failed');
    expect(await currentUserClaim(user.userId, 'memorydb')).toBeUndefined();
    expect(await secretVersions(user.secretArn)).toEqual(before);
    const next = await run('rotate-password', { userId: user.userId, service: 'memorydb' });
    await expectRotated(next, user, before);
  });

  it('refuses a MemoryDB user whose only secret is an ElastiCache one, changing nothing', async () => {
    const userId = nextUserId('ec-secret-only');
    model.seedUser({ userName: userId, accessString: 'on ~app:* +@read', passwords: ['x'.repeat(32)] });
    const elastiCacheUser = { userId, ...(await seedRotatableUser(sandbox, userId)) };
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

  it('rejects an unknown service before anything runs', async () => {
    const user = await seedMemoryDbUser();
    const before = await secretVersions(user.secretArn);
    const refused = await run('rotate-password', { userId: user.userId, service: 'redis' });
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('RotatePassword.Refused');
    expect(refused.cause).toMatch(/service/);
    expect(await secretVersions(user.secretArn)).toEqual(before);
  });
});

describe('rotate-all with service memorydb', () => {
  it('rotates exactly the members of an ACL (group:<acl>) and reports the service', async () => {
    const members = [await seedMemoryDbUser(), await seedMemoryDbUser()];
    const outsider = await seedMemoryDbUser();
    model.seedAcl({ name: 'rotation-acl', userNames: members.map((m) => m.userId) });
    const outsiderBefore = await secretVersions(outsider.secretArn);
    const client = new SimulatedClient(model, mirror, members);
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
      expect(mirror.passwords.get(member.userId)).toHaveLength(2);
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
  const step = (Step: string, SecretId: string, ClientRequestToken: string) =>
    (rotateSecretHandler as unknown as (e: unknown, c: unknown) => Promise<{ outcome: string }>)(
      { Step, SecretId, ClientRequestToken },
      context,
    );

  it('sets [pending, current] on the MemoryDB user (the service read from the secret name)', async () => {
    const user = await seedMemoryDbUser();
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
    expect(mirror.passwords.get(user.userId)).toEqual([
      await passwordOf(user.secretArn, token),
      user.password,
    ]);
  });
});

describe('no password leaves a step', () => {
  it('no event log, output or cause of any run holds a password', async () => {
    const passwords = sandbox
      .model<SecretsManagerModel>('Secrets Manager')
      .allSecretStrings()
      .flatMap((s) => {
        try {
          return [(JSON.parse(s) as { password?: string }).password ?? ''];
        } catch {
          return [];
        }
      })
      .filter((p) => p.length >= 16);
    expect(passwords.length).toBeGreaterThan(5);
    const text = JSON.stringify(runs.map((r) => [r.events, r.output, r.cause, r.error]));
    for (const password of passwords) expect(text).not.toContain(password);
  });
});
