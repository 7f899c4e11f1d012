import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { expectNoPasswordLeak, sampleInput } from './rbac-fixture.js';
import { generatePassword } from '../../functions/core/password-policy.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { CloudWatchModel } from '../../local/sandbox/models/cloudwatch.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import {
  PasswordMirror,
  SimulatedClient,
  currentPasswordsAreLive,
  secretsClient,
  seedRotatableUser,
} from './rotate-fixtures.js';

const USERS = 1000;

let sandbox: Sandbox;
let model: ElastiCacheModel;
let mirror: PasswordMirror;
const runs: LocalExecution[] = [];
const seeded: { userId: string; secretArn: string }[] = [];

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  model = sandbox.model<ElastiCacheModel>('ElastiCache');
  model.quotas.usersPerAccount = USERS + 10;
  mirror = new PasswordMirror(model).install();
  for (let i = 0; i < USERS; i += 1) {
    const userId = `bulk-${String(i).padStart(4, '0')}`;
    seeded.push({
      userId,
      ...(await seedRotatableUser(sandbox, userId, { team: i % 2 === 0 ? 'even' : 'odd' })),
    });
  }
  // Selected but not rotatable: each must be reported with its reason.
  model.seedUser({
    userId: 'no-secret',
    userName: 'no-secret',
    accessString: 'on ~* +@read',
    passwords: [generatePassword()],
  });
  model.seedUser({ userId: 'no-password', userName: 'no-password', accessString: 'on ~* +@read' });
}, 120_000);
afterAll(async () => {
  mirror.uninstall();
  await sandbox.close();
});

async function rotateAll(input: unknown): Promise<LocalExecution> {
  // At 1000× a 60 s Lambda timeout is 60 real ms: too tight for 10 users at a time on a busy
  // machine; even 900 (0.9 real s) timed handlers out at a load average of 36 on 2 cores. A time
  // budget only: nothing here depends on a Lambda ever timing out.
  const run = await LocalStateMachine.load('rotate-all', { sandbox, lambdaTimeoutSeconds: 5000 }).run(input);
  runs.push(run);
  return run;
}

interface Report {
  total: number;
  rotated: number;
  failed: number;
  skipped: number;
  users: { userId: string; status: string; reason?: string }[];
}

describe('rotate-all workflow', () => {
  it(`rotates ${USERS} users 10 at a time with a per-user report, summary event and metrics`, async () => {
    const watched = seeded.filter((_, i) => i % 50 === 0);
    const client = new SimulatedClient(model, mirror, watched);
    client.start();
    const started = performance.now();
    const run = await rotateAll(sampleInput('rotate-all'));
    const seconds = (performance.now() - started) / 1000;
    await client.stop();
    expect(run.status).toBe('SUCCEEDED');
    const report = run.output as Report;
    // The failed users with their reasons first: a failure then says why.
    expect(report.users.filter((u) => u.status === 'failed')).toEqual([]);
    expect(report).toMatchObject({ total: USERS + 3, rotated: USERS, failed: 0, skipped: 3 });
    expect(report.users.filter((u) => u.status === 'skipped')).toEqual([
      {
        userId: 'default',
        status: 'skipped',
        reason: 'the user does not authenticate with passwords (no-password)',
      },
      {
        userId: 'no-password',
        status: 'skipped',
        reason: 'the user does not authenticate with passwords (no-password)',
      },
      { userId: 'no-secret', status: 'skipped', reason: 'the user has no cachegate secret' },
    ]);
    expect(client.failures).toEqual([]);
    expect(mirror.maxPasswordCount).toBeLessThanOrEqual(2);
    expect(await currentPasswordsAreLive(mirror, seeded)).toEqual([]);
    expect(seeded.filter(({ userId }) => mirror.passwords.get(userId)?.length !== 2)).toEqual([]);
    const summary = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'PasswordRotationCompleted');
    expect(summary.at(-1)?.detail).toMatchObject({
      actor: 'scheduler',
      subject: { total: USERS + 3, rotated: USERS, failed: 0, skipped: 3 },
    });
    const metrics = sandbox.model<CloudWatchModel>('CloudWatch').metrics;
    expect(metrics.filter((m) => m.namespace === 'cachegate').map((m) => [m.name, m.value])).toEqual([
      ['UsersRotated', USERS],
      ['UserRotationsFailed', 0],
      ['UserRotationsSkipped', 3],
    ]);
    // Each user runs in a child execution of the Distributed Map: count the states they entered.
    const children = run.mapRuns.flatMap((mapRun) => mapRun.executions);
    expect(children).toHaveLength(USERS);
    const entered = children
      .flatMap((child) => child.events)
      .filter((e) => (e as { type: string }).type === 'StateEntered') as Array<{ state?: { name?: string } }>;
    // A password check that finds the change still pending waits 5 s and checks again: three more
    // transitions (wait, check, choice). How many such polls a user needs depends on real time:
    // at 1000× a millisecond of handler time is a simulated second, against 5-20 s intervals, so
    // a faster machine polls more (three CI rehearsals of one commit: 13.6, 13.6, 15.0 per user in
    // all). The design target (≤ 15, docs/rotation.md) is the path without those repeated polls;
    // they are reported beside it.
    const repolls = entered.filter((e) => e.state?.name === 'WaitForRotationPasswordsAgain').length;
    const perUser = entered.length / USERS;
    const perUserWithoutRepolls = (entered.length - 3 * repolls) / USERS;
    console.log(
      `rotate-all: ${USERS} users in ${seconds.toFixed(1)} s, ${perUser.toFixed(1)} state transitions per user ` +
        `(${perUserWithoutRepolls.toFixed(1)} without ${(repolls / USERS).toFixed(1)} repeated password checks)`,
    );
    expect(perUserWithoutRepolls).toBeLessThanOrEqual(15);
  }, 300_000);

  it('selects by secret tag, and reports a user whose secret is broken as skipped with the reason', async () => {
    const broken = seeded[1] as { userId: string; secretArn: string };
    const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    await secretsClient().send(
      new PutSecretValueCommand({
        SecretId: broken.secretArn,
        SecretString: JSON.stringify({ username: 'someone-else', password: generatePassword() }),
      }),
    );
    const run = await rotateAll({ selector: { tag: { key: 'team', value: 'odd' } } });
    const report = run.output as Report;
    expect(report).toMatchObject({ total: USERS / 2, rotated: USERS / 2 - 1, failed: 0, skipped: 1 });
    expect(report.users.find((u) => u.userId === broken.userId)?.reason).toMatch(
      /^RotationRefusedError: the AWSCURRENT version of .* is not a secret for user name bulk-0001/,
    );
  }, 300_000);

  it('refuses an unknown selector before rotating anyone', async () => {
    const run = await rotateAll({ selector: { everyone: true } });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('RotateAll.InvalidInput');
  });

  it('never lets a password into the execution history or the events', () => {
    expectNoPasswordLeak(sandbox, runs, 1);
  });
});
