import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { EC2Client, ImportClientVpnClientCertificateRevocationListCommand } from '@aws-sdk/client-ec2';
import { createAwsClient } from '../../functions/aws/clients.js';
import { TestPki } from '../unit/ec2-client-vpn-model/vpn-pki-fixture.js';
import { createCrlWorld, daysMs, IMPORT, type CrlWorkflowWorld } from './crl-workflow-fixture.js';

const sample = JSON.parse(
  readFileSync(new URL('../../events/refresh-crl.json', import.meta.url), 'utf8'),
) as {
  requestedBy: string;
};

interface RefreshOutput {
  crlNumber: string;
  updatedEndpoints: string[];
  unchangedEndpoints: string[];
  deferredEndpoints: string[];
  behindEndpoints: { endpointId: string; error: string }[];
}

let world: CrlWorkflowWorld;
let a: string, b: string;
const sorted = (ids: readonly string[]) => [...ids].sort();

async function refresh(): Promise<RefreshOutput> {
  const run = await world.run('refresh-crl', sample);
  expect(run.status).toBe('SUCCEEDED');
  expect(JSON.stringify(run.events)).not.toContain('-----BEGIN');
  return run.output as RefreshOutput;
}
const importCalls = () => world.sandbox.faults.calls('EC2', IMPORT);
/** The latest DaysUntilCrlExpiry published per endpoint. */
function latestDays(): Record<string, number> {
  const days: Record<string, number> = {};
  for (const m of world
    .metrics()
    .filter((x) => x.name === 'DaysUntilCrlExpiry' && x.namespace === 'cachegate')) {
    days[m.dimensions.ClientVpnEndpointId as string] = m.value;
  }
  return days;
}
/** `HH:MM` UTC of `ms`. */
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

beforeAll(async () => {
  world = await createCrlWorld({ speed: 100, endpointCount: 2 });
  [a, b] = world.endpoints as [string, string];
  const now = world.sandbox.clock.now();
  await world.authority.issue('alice', now);
  await world.authority.index.revoke({ commonName: 'alice', now });
}, 60_000);
afterAll(async () => world.close());

describe('refresh-crl', () => {
  it('builds the first CRL and imports it on endpoints that have none (revocations not enforced: urgent)', async () => {
    const out = await refresh();
    expect(out.crlNumber).toBe('1');
    expect(sorted(out.updatedEndpoints)).toEqual(sorted([a, b]));
    expect(importCalls()).toBe(2);
    const days = latestDays();
    expect(days[a]).toBeGreaterThan(179);
    expect(days[b]).toBeGreaterThan(179);
  }, 60_000);

  it('imports nothing when every endpoint holds the expected CRL, and still publishes the metric', async () => {
    const before = importCalls();
    const metricsBefore = world.metrics().length;
    const out = await refresh();
    expect(importCalls()).toBe(before);
    expect(sorted(out.unchangedEndpoints)).toEqual(sorted([a, b]));
    expect(out.updatedEndpoints).toEqual([]);
    expect(world.metrics().length).toBe(metricsBefore + 2);
  }, 60_000);

  it('repairs drift on one endpoint only (a CRL from another CA lets everyone in)', async () => {
    const other = await TestPki.create('Someone else');
    await createAwsClient(EC2Client, {}).send(
      new ImportClientVpnClientCertificateRevocationListCommand({
        ClientVpnEndpointId: b,
        CertificateRevocationList: await other.crlPem(world.sandbox.clock.now()),
      }),
    );
    world.sandbox.clock.advance(world.model.delays.crlActivation);
    expect(latestDays()[b]).toBeGreaterThan(0);
    const before = importCalls();
    const out = await refresh();
    expect(out.updatedEndpoints).toEqual([b]);
    expect(out.unchangedEndpoints).toEqual([a]);
    expect(importCalls()).toBe(before + 1);
  }, 60_000);

  it('rebuilds and re-imports everywhere when the CRL nears expiry (no maintenance window)', async () => {
    world.sandbox.clock.advance(daysMs(155)); // 180-day CRL: ~25 days left, inside the 30-day margin
    const before = importCalls();
    const out = await refresh();
    expect(out.crlNumber).toBe('2');
    expect(sorted(out.updatedEndpoints)).toEqual(sorted([a, b]));
    expect(importCalls()).toBe(before + 2);
    expect(latestDays()[a]).toBeGreaterThan(179);
  }, 60_000);

  describe('with a maintenance window', () => {
    it('defers a routine import outside the window and publishes the days left', async () => {
      world.sandbox.clock.advance(daysMs(155));
      const now = world.sandbox.clock.nowMs();
      process.env.CRL_MAINTENANCE_WINDOW = JSON.stringify({
        startUtc: hhmm(now + 3 * 3_600_000),
        durationMinutes: 60,
      });
      const before = importCalls();
      const out = await refresh();
      expect(out.crlNumber).toBe('3');
      expect(sorted(out.deferredEndpoints)).toEqual(sorted([a, b]));
      expect(importCalls()).toBe(before);
      const days = latestDays();
      expect(days[a]).toBeGreaterThan(20);
      expect(days[a]).toBeLessThan(30);
    }, 60_000);

    it('imports inside the window', async () => {
      world.sandbox.clock.advance(3 * 3_600_000 + 5 * 60_000);
      const before = importCalls();
      const out = await refresh();
      expect(sorted(out.updatedEndpoints)).toEqual(sorted([a, b]));
      expect(importCalls()).toBe(before + 2);
      expect(latestDays()[b]).toBeGreaterThan(179);
      delete process.env.CRL_MAINTENANCE_WINDOW;
    }, 60_000);

    it('imports at once, window closed, when expiry is closer than the hard margin', async () => {
      world.sandbox.clock.advance(daysMs(175)); // 5 days left, hard margin 7
      const now = world.sandbox.clock.nowMs();
      process.env.CRL_MAINTENANCE_WINDOW = JSON.stringify({
        startUtc: hhmm(now + 6 * 3_600_000),
        durationMinutes: 30,
      });
      const before = importCalls();
      const out = await refresh();
      delete process.env.CRL_MAINTENANCE_WINDOW;
      expect(sorted(out.updatedEndpoints)).toEqual(sorted([a, b]));
      expect(importCalls()).toBe(before + 2);
    }, 60_000);
  });
});
