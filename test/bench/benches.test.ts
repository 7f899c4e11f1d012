import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The two incident benches at a reduced size, as tests of what they must show whatever the
 * machine's speed: every user rotated and reported with no lockout and never more than two
 * passwords; every endpoint enforcing one CRL built once, imported in parallel; a region that is
 * down reported, retried and counted, without holding the others back. The timings they print are
 * not asserted (a loaded CI machine stretches simulated time); the README's figures are full runs.
 */
function bench<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'bench', script), ...args, '--json'], {
      // The global setup built dist/ already; Jest's NODE_OPTIONS are not the bench's.
      env: { ...process.env, NODE_OPTIONS: '', CACHEGATE_BENCH_SKIP_BUILD: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (status) => {
      if (status !== 0) reject(new Error(`${script} exited ${status}: ${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
    });
  });
}

interface EmergencyResult {
  users: number;
  ratio: number;
  rotated: number;
  failed: number;
  reported: number;
  notRotated: unknown[];
  lockouts: string[];
  authentications: number;
  maxPasswords: number;
  modifyUserAdmitted: number;
  peakConcurrency: number;
  childExecutions: number;
}

describe('bench/emergency-rotation.mjs at 120 users', () => {
  it('rotates every user, reports each one, locks nobody out, never holds three passwords', async () => {
    const r = await bench<EmergencyResult>('emergency-rotation.mjs', ['--users', '120', '--speed', '20']);
    expect(r.notRotated).toEqual([]);
    expect(r).toMatchObject({ rotated: 120, failed: 0, reported: 121, childExecutions: 120 });
    expect(r.lockouts).toEqual([]);
    expect(r.authentications).toBeGreaterThan(0);
    expect(r.maxPasswords).toBe(2);
    // Exactly one ModifyUser per user got through the bucket. Whether the bucket also refused some
    // depends on how fast this machine issues them (test/workflows/emergency-rotation.test.ts makes
    // refusals certain and checks they are absorbed).
    expect(r.modifyUserAdmitted).toBe(120);
    // Fan-out beyond what one inline Map runs (40).
    expect(r.peakConcurrency).toBeGreaterThan(40);
    expect(r.ratio).toBeGreaterThan(0);
  }, 120_000);
});

interface RevocationResult {
  ratio: number;
  lastEnforcedSeconds: number;
  slowestImportSeconds: number;
  importStartSpreadSeconds: number;
  distinctCrls: number;
  crlsBuilt: number;
  updated: string[];
  behind: { endpointId: string; region: string; error: string }[];
  behindMetric: Record<string, number>;
  importCalls: number;
  assumedRoles: number;
  perEndpoint: {
    endpointId: string;
    region: string;
    importedAt?: number;
    importSeconds?: number;
    enforcedAfter?: number;
    holderLiveSessions: number;
    holderRefused: boolean;
    bystanderLive: boolean;
  }[];
}

const POLL_SECONDS = 5;

describe('bench/revocation-latency.mjs at 6 endpoints in 3 regions (one in another account)', () => {
  it('enforces the revocation on every endpoint: one CRL built once, imported everywhere in parallel', async () => {
    const r = await bench<RevocationResult>('revocation-latency.mjs', ['--endpoints', '6', '--speed', '20']);
    expect(r.behind).toEqual([]);
    expect(r.updated).toHaveLength(6);
    expect(new Set(r.perEndpoint.map((e) => e.region))).toEqual(
      new Set(['us-east-1', 'eu-west-1', 'ap-southeast-2']),
    );
    for (const e of r.perEndpoint) {
      expect({ ...e, enforced: e.enforcedAfter !== undefined }).toMatchObject({
        enforced: true,
        holderLiveSessions: 0,
        holderRefused: true,
        bystanderLive: true,
      });
    }
    expect(r).toMatchObject({ distinctCrls: 1, crlsBuilt: 1, importCalls: 6 });
    // Every import started before the first could have finished: parallel, not one by one.
    expect(r.importStartSpreadSeconds).toBeLessThan(r.slowestImportSeconds);
    expect(r.assumedRoles).toBeGreaterThan(0);
    expect(r.behindMetric).toEqual({ 'us-east-1': 0, 'eu-west-1': 0, 'ap-southeast-2': 0 });
    expect(r.ratio).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('with a region down: its endpoints are retried, reported behind and counted, the others enforce without waiting', async () => {
    const r = await bench<RevocationResult>('revocation-latency.mjs', [
      '--endpoints',
      '6',
      '--speed',
      '20',
      '--down',
      'ap-southeast-2',
    ]);
    const down = r.perEndpoint.filter((e) => e.region === 'ap-southeast-2');
    const up = r.perEndpoint.filter((e) => e.region !== 'ap-southeast-2');
    expect(r.behind.map((b) => [b.endpointId, b.region, b.error]).sort()).toEqual(
      down.map((e) => [e.endpointId, 'ap-southeast-2', 'ServiceUnavailable']).sort(),
    );
    // Each import to the region that is down was tried 1 + 4 times (the workflow's retrier).
    expect(r.importCalls).toBe(up.length + 5 * down.length);
    expect(r.behindMetric).toEqual({ 'us-east-1': 0, 'eu-west-1': 0, 'ap-southeast-2': down.length });
    for (const e of up) {
      expect(e.holderLiveSessions).toBe(0);
      expect(e.holderRefused).toBe(true);
      // Enforced once its own import was active and one poll later — not after the down region's
      // retries (over a minute of backoff): no endpoint waits for another.
      expect(e.enforcedAfter! - (e.importedAt! + e.importSeconds!)).toBeLessThan(3 * POLL_SECONDS);
    }
    for (const e of down) expect(e.holderRefused).toBe(false);
  }, 120_000);
});
