import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { generateRsaKey } from '../../functions/core/pki/certificate-builder.js';
import { keySigner } from '../../functions/core/pki/signer.js';
import { causeOf, createCrlWorld, IMPORT, type CrlWorkflowWorld } from './crl-workflow-fixture.js';

const sample = JSON.parse(
  readFileSync(new URL('../../events/revoke-certificate.json', import.meta.url), 'utf8'),
) as {
  commonName: string;
  requestedBy: string;
  requestId: string;
};
// Poll interval of the revoke workflow's Wait state (simulated seconds).
const POLL_SECONDS = 5;

describe('revoke a certificate on three endpoints, one failing twice, one failing always', () => {
  let world: CrlWorkflowWorld;
  let a: string, b: string, c: string;
  let aliceSerial: string;
  let alicePem: string;
  let run: Awaited<ReturnType<CrlWorkflowWorld['run']>>;
  let revokeRequestedAt: number;

  beforeAll(async () => {
    // 20 simulated seconds per real second: a 5 s poll is 0.25 real seconds, far above the
    // real milliseconds a Lambda step takes even on a loaded machine.
    world = await createCrlWorld({ speed: 20, endpointCount: 3 });
    [a, b, c] = world.endpoints as [string, string, string];
    const now = world.sandbox.clock.now();
    const alice = await world.authority.issue(sample.commonName, now);
    const bob = await world.authority.issue('bob', now);
    aliceSerial = alice.serial;
    alicePem = alice.pem;
    for (const endpoint of world.endpoints) {
      expect(world.model.connectClient(endpoint, alice.pem, { reconnect: true }).connected).toBe(true);
      expect(world.model.connectClient(endpoint, bob.pem, { reconnect: true }).connected).toBe(true);
    }
    world.model.failEndpoint(b, IMPORT, 2);
    world.model.failEndpoint(c, IMPORT, Infinity);
    revokeRequestedAt = world.sandbox.clock.nowMs();
    run = await world.run('revoke-certificate', sample);
  }, 120_000);
  afterAll(async () => world.close());

  it('succeeds, listing the updated endpoints and the one left behind', () => {
    expect(run.status).toBe('SUCCEEDED');
    const output = run.output as Record<string, unknown>;
    expect(output).toMatchObject({ serial: aliceSerial, commonName: sample.commonName, crlNumber: '1' });
    expect([...(output.updatedEndpoints as string[])].sort()).toEqual([a, b].sort());
    expect(output.behindEndpoints).toEqual([{ endpointId: c, region: 'us-east-1', error: 'InternalError' }]);
  });

  it('retries the failing import with backoff: one import on a and b, none on c', () => {
    const imports = world.model.crlImports.map((i) => i.endpointId).sort();
    expect(imports).toEqual([a, b].sort());
    // a: 1 call; b: 2 failures + 1 success; c: 1 call + 4 retries (MaxAttempts), all failing.
    expect(world.sandbox.faults.calls('EC2', IMPORT)).toBe(1 + 3 + 5);
  });

  it('terminates exactly the revoked certificate’s live connections, and they stay ended', () => {
    const output = run.output as { terminatedConnectionIds: string[] };
    const aliceTerminated = [a, b].flatMap((endpoint) =>
      world.model
        .connections(endpoint)
        .filter((x) => x.commonName === sample.commonName && x.endedAt !== undefined),
    );
    // Each endpoint: the original connection was reset by the import; the client reconnected
    // (the old CRL was still in force while the new one was pending); the workflow ended that one.
    const terminatedByWorkflow = aliceTerminated.filter((x) =>
      output.terminatedConnectionIds.includes(x.connectionId),
    );
    expect(terminatedByWorkflow).toHaveLength(2);
    expect(output.terminatedConnectionIds).toHaveLength(2);
    for (const endpoint of [a, b]) {
      const live = world.model.connections(endpoint).filter((x) => x.endedAt === undefined);
      expect(live.map((x) => x.commonName)).toEqual(['bob']);
    }
    // The endpoint left behind still lets alice in: the next refresh repairs it (below).
    expect(
      world.model
        .connections(c)
        .filter((x) => x.endedAt === undefined)
        .map((x) => x.commonName)
        .sort(),
    ).toEqual(['alice', 'bob']);
    const refusals = world.model.connectAttempts.filter(
      (x) => x.commonName === sample.commonName && !x.result.connected,
    );
    expect(refusals.map((x) => x.endpointId).sort()).toEqual([a, b].sort());
  });

  it('ends the revoked client’s last connection within one poll interval of the import turning active', () => {
    for (const endpoint of [a, b]) {
      const imported = world.model.crlImports.find((i) => i.endpointId === endpoint);
      const lastEnded = Math.max(
        ...world.model
          .connections(endpoint)
          .filter((x) => x.commonName === sample.commonName)
          .map((x) => x.endedAt ?? Infinity),
      );
      expect(imported).toBeDefined();
      expect(lastEnded).toBeGreaterThanOrEqual(imported!.activeAt);
      expect(lastEnded - imported!.activeAt).toBeLessThanOrEqual(POLL_SECONDS * 1000);
      expect(lastEnded).toBeGreaterThan(revokeRequestedAt);
    }
  });

  it('records CertificateRevoked and one CrlImported per updated endpoint, and no secret or CRL in any payload', () => {
    const events = world.audit();
    const revoked = events.filter((e) => e.detailType === 'CertificateRevoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0]?.detail).toMatchObject({
      actor: sample.requestedBy,
      requestId: sample.requestId,
      subject: {
        serial: aliceSerial,
        commonName: sample.commonName,
        crlNumber: '1',
        endpointsUpdated: 2,
        endpointsBehind: 1,
        connectionsTerminated: 2,
      },
    });
    const imported = events.filter((e) => e.detailType === 'CrlImported');
    expect(
      imported.map((e) => (e.detail as { subject: { endpointId: string } }).subject.endpointId).sort(),
    ).toEqual([a, b].sort());
    const everything = JSON.stringify(run.events) + JSON.stringify(events);
    expect(everything).not.toContain('-----BEGIN');
    expect(everything).not.toContain('PRIVATE KEY');
    // Payloads stay small: IDs, numbers, hashes.
    for (const event of run.events) expect(JSON.stringify(event).length).toBeLessThan(16_000);
  });

  it('is idempotent in the index, and the next refresh repairs the endpoint left behind', async () => {
    const again = await world.run('revoke-certificate', sample);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.output).toMatchObject({ serial: aliceSerial, crlNumber: '2' });
    const revokedEntries = (await world.authority.index.entries()).filter((e) => e.status === 'R');
    expect(revokedEntries.map((e) => e.serial)).toEqual([aliceSerial]);

    world.model.clearEndpointFaults();
    const refresh = await world.run('refresh-crl', { requestedBy: 'scheduler' });
    expect(refresh.status).toBe('SUCCEEDED');
    expect(refresh.output).toMatchObject({ updatedEndpoints: [c] });
    expect([...(refresh.output as { unchangedEndpoints: string[] }).unchangedEndpoints].sort()).toEqual(
      [a, b].sort(),
    );
    // The refresh imported on c only; alice's session there ended with the import's reset and
    // her reconnect is refused once the CRL is active.
    expect(world.model.crlImports.filter((i) => i.endpointId === c)).toHaveLength(1);
    expect(world.model.connectClient(c, alicePem)).toEqual({
      connected: false,
      reason: 'certificate-revoked',
    });
  }, 120_000);
});

describe('a CRL that fails verification is never imported', () => {
  let world: CrlWorkflowWorld;

  beforeAll(async () => {
    world = await createCrlWorld({ speed: 1000, endpointCount: 2 });
  }, 60_000);
  afterAll(async () => world.close());

  it('refuses a CRL that is not signed by the endpoints’ CA (wrong issuer key)', async () => {
    await world.authority.issue('mallory', world.sandbox.clock.now());
    world.authority.useSigner(keySigner(generateRsaKey().privateKey));
    const run = await world.run('revoke-certificate', { commonName: 'mallory', requestedBy: 'ops' });
    world.authority.useSigner(undefined);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CrlInvalidError');
    expect(causeOf(run)).toContain('signature does not verify with the CA public key');
    expect(world.sandbox.faults.calls('EC2', IMPORT)).toBe(0);
  });

  it('refuses a CRL that would expire within the required margin', async () => {
    await world.authority.issue('trudy', world.sandbox.clock.now());
    process.env.CRL_DAYS = '5';
    process.env.CRL_REFRESH_MARGIN_DAYS = '7';
    const run = await world.run('revoke-certificate', { commonName: 'trudy', requestedBy: 'ops' });
    delete process.env.CRL_DAYS;
    delete process.env.CRL_REFRESH_MARGIN_DAYS;
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CrlInvalidError');
    expect(causeOf(run)).toMatch(/nextUpdate .* is within the required margin/);
    expect(world.sandbox.faults.calls('EC2', IMPORT)).toBe(0);
  });

  it('refuses more than 20,000 entries (the Client VPN quota)', async () => {
    await world.authority.issue('oscar', world.sandbox.clock.now());
    const expires = '351231235959Z';
    world.authority.addRevoked(
      Array.from({ length: 20_000 }, (_, i) => ({
        status: 'R' as const,
        serial: (0x10000000 + i).toString(16).toUpperCase(),
        commonName: `bulk-${i}`,
        subject: `/CN=bulk-${i}`,
        expires,
        revoked: '250101000000Z',
      })),
    );
    const run = await world.run('revoke-certificate', { commonName: 'oscar', requestedBy: 'ops' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('CrlQuotaError');
    // 20,000 bulk entries + the certificates revoked by the tests above, oscar included.
    expect(causeOf(run)).toMatch(
      /^200\d\d revoked unexpired certificates exceed the Client VPN limit of 20000/,
    );
    expect(world.sandbox.faults.calls('EC2', IMPORT)).toBe(0);
  });

  it('rejects an unknown common name with a clear cause and starts nothing', async () => {
    const run = await world.run('revoke-certificate', { commonName: 'nobody', requestedBy: 'ops' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('NotFoundError');
    expect(causeOf(run)).toContain('no certificate with CN "nobody"');
  });
});
