import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { genericFault } from '../../local/sandbox/service-error.js';
import { createTables } from '../../local/sandbox/tables.js';
import {
  PasswordMirror,
  SimulatedClient,
  currentPasswordsAreLive,
  seedRotatableUser,
} from './rotate-fixtures.js';

/**
 * "Rotate everything now" under a throttled control plane: rotate-all with `emergency: true` on
 * the real ASL, with the sandbox's ElastiCache token bucket set tight enough that it refuses calls
 * with ElastiCache's throttling error (`Throttling`). The guarantees are the routine ones — every
 * user rotated and reported, clients authenticating throughout, never more than two passwords —
 * and the run has every user in flight at once (child executions of a Distributed Map). (The emergency-rotation bench runs
 * the same at 1,000 users and compares the time with the model's bound.)
 */
const USERS = 120;

let sandbox: Sandbox;
let model: ElastiCacheModel;
let mirror: PasswordMirror;
const seeded: { userId: string; secretArn: string }[] = [];

beforeAll(async () => {
  // 100×: a 900 s Lambda timeout is 9 real seconds, room for 40 handlers at once on a busy machine.
  sandbox = await createSandbox({ speed: 100 });
  await createTables();
  model = sandbox.model<ElastiCacheModel>('ElastiCache');
  mirror = new PasswordMirror(model).install();
  for (let i = 0; i < USERS; i += 1) {
    const userId = `urgent-${String(i).padStart(3, '0')}`;
    seeded.push({ userId, ...(await seedRotatableUser(sandbox, userId)) });
  }
}, 120_000);
afterAll(async () => {
  mirror.uninstall();
  await sandbox.close();
});

/** The most users in flight at once: child executions of rotate-all's Distributed Map. */
function peakConcurrency(run: LocalExecution): number {
  expect(run.mapRuns.map((mapRun) => mapRun.stateName)).toEqual(['RotateEachUser']);
  return run.mapRuns[0]?.peakConcurrency ?? 0;
}

describe('emergency rotation under throttling', () => {
  it('rotates every user, all at once, surviving throttling errors with no lockout', async () => {
    // Burst 1: the first users of the wave collide at once; 2/s sustained is ample for the run after that.
    sandbox.throttling.enable({ ElastiCache: { ratePerSecond: 2, burst: 1 } });
    // On a slow machine the users' first steps can spread their ModifyUser calls out enough that
    // the bucket never refuses one: ElastiCache's throttling error on the first 30 is certain.
    const refusals = sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'ModifyUser',
      times: 30,
      mode: 'throw',
      error: () => genericFault('Throttling', 'Rate exceeded', 400),
    });
    const watched = seeded.filter((_, i) => i % 10 === 0);
    const client = new SimulatedClient(model, mirror, watched);
    client.start();
    const run = await LocalStateMachine.load('rotate-all', { sandbox, lambdaTimeoutSeconds: 900 }).run({
      selector: { all: true },
      requestedBy: 'incident-42',
      emergency: true,
    });
    await client.stop();
    sandbox.throttling.disable();
    const failedStates = (run.events as { type: string; state?: { name: string } }[])
      .filter((e) => /Failed/.test(e.type))
      .map((e) => `${e.type}:${e.state?.name ?? ''}`);
    if (run.status !== 'SUCCEEDED') console.log(failedStates.slice(-5));
    expect({ status: run.status, error: run.error, cause: run.cause }).toEqual({ status: 'SUCCEEDED' });
    const notRotated = (run.output as { users: { userId: string; status: string; reason?: string }[] }).users
      .filter((user) => user.status !== 'rotated' && user.userId !== 'default')
      .map((user) => `${user.userId}: ${user.reason ?? user.status}`);
    expect(notRotated).toEqual([]);
    // ElastiCache refused calls with its throttling error, and the workflow absorbed every refusal.
    expect(refusals.fired() + (sandbox.throttling.throttled.get('ElastiCache') ?? 0)).toBeGreaterThanOrEqual(
      30,
    );
    refusals.disarm();
    // Beyond what one inline Map could run (40): every user in flight at once.
    expect(peakConcurrency(run)).toBe(USERS);
    expect(client.failures).toEqual([]);
    expect(mirror.maxPasswordCount).toBeLessThanOrEqual(2);
    expect(await currentPasswordsAreLive(mirror, seeded)).toEqual([]);
  });

  it('a routine run stays at 10 users at a time', async () => {
    const run = await LocalStateMachine.load('rotate-all', { sandbox, lambdaTimeoutSeconds: 900 }).run({
      selector: { all: true },
      requestedBy: 'scheduler',
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(peakConcurrency(run)).toBe(10);
  });
});
