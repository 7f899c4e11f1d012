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
const revokeSample = JSON.parse(
  readFileSync(new URL('../../events/revoke-certificate.json', import.meta.url), 'utf8'),
) as { commonName: string; requestedBy: string; requestId: string };
// Poll interval of the refresh workflow's Wait state after an import (simulated seconds).
const POLL_SECONDS = 30;

interface RefreshOutput {
  crlNumber: string;
  updatedEndpoints: string[];
  unchangedEndpoints: string[];
  deferredEndpoints: string[];
  behindEndpoints: { endpointId: string; error: string }[];
  terminatedConnectionIds: string[];
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

describe('refresh-crl', () => {
  beforeAll(async () => {
    world = await createCrlWorld({ speed: 100, endpointCount: 2 });
    [a, b] = world.endpoints as [string, string];
    const now = world.sandbox.clock.now();
    await world.authority.issue('alice', now);
    await world.authority.index.revoke({ commonName: 'alice', now });
  }, 60_000);
  afterAll(async () => world.close());

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
    const expiryMetrics = () => world.metrics().filter((m) => m.name === 'DaysUntilCrlExpiry').length;
    const metricsBefore = expiryMetrics();
    const out = await refresh();
    expect(importCalls()).toBe(before);
    expect(sorted(out.unchangedEndpoints)).toEqual(sorted([a, b]));
    expect(out.updatedEndpoints).toEqual([]);
    expect(expiryMetrics()).toBe(metricsBefore + 2);
    // And the run reports nothing left behind in its region.
    expect(world.metrics().at(-1)).toMatchObject({
      name: 'CrlEndpointsBehind',
      dimensions: { Region: 'us-east-1' },
      value: 0,
    });
  }, 60_000);

  it('repairs drift on one endpoint only (a CRL from another CA refuses everyone)', async () => {
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

describe('refresh-crl repairing an endpoint left behind by a revocation', () => {
  let alice: { pem: string; serial: string };
  let run: Awaited<ReturnType<CrlWorkflowWorld['run']>>;
  let aliceOnBehind: string[];
  /** Live connections of an endpoint by common name, sorted. */
  const live = (endpoint: string) =>
    world.model
      .connections(endpoint)
      .filter((x) => x.endedAt === undefined)
      .map((x) => x.commonName)
      .sort();

  beforeAll(async () => {
    // 20 simulated seconds per real second: a 30 s poll is 1.5 real seconds, far above the real
    // milliseconds a Lambda step takes even on a loaded machine.
    world = await createCrlWorld({ speed: 20, endpointCount: 2 });
    [a, b] = world.endpoints as [string, string];
    const now = world.sandbox.clock.now();
    alice = await world.authority.issue(revokeSample.commonName, now);
    const bob = await world.authority.issue('bob', now);
    for (const endpoint of [a, b]) {
      expect(world.model.connectClient(endpoint, alice.pem, { reconnect: true }).connected).toBe(true);
      expect(world.model.connectClient(endpoint, bob.pem, { reconnect: true }).connected).toBe(true);
    }
    world.model.failEndpoint(b, IMPORT, Infinity);
    const revoked = await world.run('revoke-certificate', revokeSample);
    expect(revoked.status).toBe('SUCCEEDED');
    expect(revoked.output).toMatchObject({ behindEndpoints: [{ endpointId: b, error: 'InternalError' }] });
    world.model.clearEndpointFaults();
    // b still enforces nothing: alice is refused on a but gets in on b (a second device).
    expect(world.model.connectClient(a, alice.pem).connected).toBe(false);
    expect(world.model.connectClient(b, alice.pem, { reconnect: true }).connected).toBe(true);
    aliceOnBehind = world.model
      .connections(b)
      .filter((x) => x.commonName === revokeSample.commonName && x.endedAt === undefined)
      .map((x) => x.connectionId);
    expect(aliceOnBehind).toHaveLength(2);
    run = await world.run('refresh-crl', sample);
  }, 120_000);
  afterAll(async () => world.close());

  it('imports on the endpoint that was behind only', () => {
    expect(run.status).toBe('SUCCEEDED');
    const out = run.output as RefreshOutput;
    expect(out.updatedEndpoints).toEqual([b]);
    expect(out.unchangedEndpoints).toEqual([a]);
    expect(out.behindEndpoints).toEqual([]);
    expect(world.model.crlImports.map((i) => i.endpointId).sort()).toEqual([a, b].sort());
  });

  it('cuts the revoked client off there once the import is active, while the other client stays', () => {
    const out = run.output as RefreshOutput;
    const terminated = world.model
      .connections(b)
      .filter((x) => out.terminatedConnectionIds.includes(x.connectionId));
    // The import reset alice's two sessions; both clients reconnected while the new CRL was
    // pending (the old one, listing nothing, still in force); the workflow ended those two.
    expect(terminated).toHaveLength(2);
    expect(terminated.every((x) => x.commonName === revokeSample.commonName)).toBe(true);
    expect(out.terminatedConnectionIds.some((id) => aliceOnBehind.includes(id))).toBe(false);
    expect(live(b)).toEqual(['bob']);
    const imported = world.model.crlImports.filter((i) => i.endpointId === b).at(-1)!;
    const refusedAfter = world.model.connectAttempts.filter(
      (x) =>
        x.endpointId === b &&
        x.commonName === revokeSample.commonName &&
        x.at >= imported.activeAt &&
        !x.result.connected,
    );
    expect(refusedAfter.length).toBeGreaterThan(0);
  });

  it('ends the last revoked session within one poll interval of the import turning active', () => {
    const imported = world.model.crlImports.filter((i) => i.endpointId === b).at(-1)!;
    const lastEnded = Math.max(
      ...world.model
        .connections(b)
        .filter((x) => x.commonName === revokeSample.commonName)
        .map((x) => x.endedAt ?? Infinity),
    );
    expect(lastEnded).toBeGreaterThanOrEqual(imported.activeAt);
    expect(lastEnded - imported.activeAt).toBeLessThanOrEqual(POLL_SECONDS * 1000);
  });

  it('leaves the endpoint that was current alone (no import, no termination)', () => {
    expect(live(a)).toEqual(['bob']);
    const revokeImport = world.model.crlImports.find((i) => i.endpointId === a)!;
    const endedSince = world.model
      .connections(a)
      .filter((x) => x.endedAt !== undefined && x.endedAt > revokeImport.activeAt + POLL_SECONDS * 1000);
    expect(endedSince).toEqual([]);
  });

  it('carries common names, never a certificate or key, in the payloads', () => {
    const everything = JSON.stringify(run.events) + JSON.stringify(world.audit());
    expect(everything).not.toContain('-----BEGIN');
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).toContain('"commonNames":["alice"]');
  });

  it('ends no session on a routine re-import, even of a new certificate for the revoked name', async () => {
    const reissued = await world.authority.issue(revokeSample.commonName, world.sandbox.clock.now());
    for (const endpoint of [a, b]) {
      expect(world.model.connectClient(endpoint, reissued.pem, { reconnect: true }).connected).toBe(true);
    }
    world.sandbox.clock.advance(daysMs(155)); // inside the 30-day refresh margin: rebuild, re-import
    const out = await refresh();
    expect(sorted(out.updatedEndpoints)).toEqual(sorted([a, b]));
    expect(out.terminatedConnectionIds).toEqual([]);
    // Every client reconnected after the imports' reset, and nobody was cut off afterwards.
    expect(live(a)).toEqual(['alice', 'bob']);
    expect(live(b)).toEqual(['alice', 'bob']);
  }, 120_000);
});
