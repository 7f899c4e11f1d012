import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import { handler } from '../../functions/audit-posture/handler.js';
import { SEVERITIES } from '../../functions/core/posture/findings.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { CloudWatchModel } from '../../local/sandbox/models/cloudwatch.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import {
  POSTURE_CACHE_SUBNET,
  seedPostureAccount,
  type PostureAccount,
} from '../../local/sandbox/posture-seed.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';

/** What the EventBridge rule sends (infra/constructs/posture-schedule.ts). */
const scheduledInput = JSON.parse(
  readFileSync(new URL('../../events/audit-posture.json', import.meta.url), 'utf8'),
) as { requestedBy: string };

type Summary = Record<string, number>;
const context = { awsRequestId: 'req-posture-1', getRemainingTimeInMillis: () => 300_000 };
const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: unknown) => Promise<{ summary: Summary }>)(event, context);

let sandbox: Sandbox;

beforeEach(async () => {
  sandbox = await createSandbox({ speed: 0 });
  // What the construct sets: the cache subnets, the CA certificate secret, the CRL store (its
  // local name here); the seeding installs its in-memory CA as the authority the adapter reads.
  process.env.CACHE_SUBNET_CIDRS = POSTURE_CACHE_SUBNET;
  process.env.CA_CERT_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/ca';
  process.env[CRL_STORE_TABLE.envVar] = CRL_STORE_TABLE.localName;
});
afterEach(async () => {
  delete process.env.CACHE_SUBNET_CIDRS;
  delete process.env.CA_CERT_SECRET_ARN;
  delete process.env[CRL_STORE_TABLE.envVar];
  setCrlAuthority(undefined);
  await sandbox.close();
});

const postureMetrics = () =>
  sandbox
    .model<CloudWatchModel>('CloudWatch')
    .metrics.filter((m) => m.namespace === 'cachegate' && m.name === 'PostureFindings');
const postureEvents = () =>
  sandbox
    .model<EventBridgeModel>('EventBridge')
    .events.filter((e) => e.detailType === 'PostureAudited')
    .map((e) => auditEventV1.parse(e.detail));

/** The seeded problems by severity, as the audit of the same account reports them. */
const bySeverity = (account: PostureAccount, summary: Summary) => {
  expect(summary.total).toBe(account.problems.length);
  return Object.fromEntries(SEVERITIES.map((s) => [s, summary[s]]));
};

describe('audit-posture (scheduled Lambda) on the sandbox', () => {
  it('on the seeded account: one PostureFindings datum per severity and PostureAudited with the same counts', async () => {
    const account = await seedPostureAccount(sandbox, { problems: true });
    const { summary } = await invoke(scheduledInput);
    const counts = bySeverity(account, summary);
    // The seeded account has an open cache, an open default user, a foreign CRL (critical) and
    // admin-like users, an expiring server certificate... (high): the alarm's inputs are not zero.
    expect(summary.critical).toBeGreaterThan(0);
    expect(summary.high).toBeGreaterThan(0);
    const metrics = postureMetrics();
    expect(metrics.map((m) => m.dimensions)).toEqual(SEVERITIES.map((Severity) => ({ Severity })));
    expect(Object.fromEntries(metrics.map((m) => [m.dimensions.Severity, m.value]))).toEqual(counts);
    expect(metrics.every((m) => m.unit === 'Count')).toBe(true);
    const events = postureEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'cachegate-schedule',
      requestId: 'req-posture-1',
      subject: { region: sandbox.region, total: account.problems.length, ...counts },
    });
  });

  it('on the clean account: every severity published as 0 (the alarm sees each period), total 0', async () => {
    await seedPostureAccount(sandbox, { problems: false });
    const { summary } = await invoke(scheduledInput);
    expect(summary.total).toBe(0);
    expect(postureMetrics().map((m) => [m.dimensions.Severity, m.value])).toEqual(
      SEVERITIES.map((s) => [s, 0]),
    );
    expect(postureEvents()[0]?.subject).toEqual({
      region: sandbox.region,
      total: 0,
      ...Object.fromEntries(SEVERITIES.map((s) => [s, 0])),
    });
  });

  it('the event carries counts only: no resource name, evidence or secret ARN of any finding', async () => {
    await seedPostureAccount(sandbox, { problems: true });
    await invoke(scheduledInput);
    const detail = JSON.stringify(postureEvents());
    for (const fragment of ['ops-admin', 'hand-made', 'secret:', 'cvpn-endpoint', 'password']) {
      expect(detail).not.toContain(fragment);
    }
  });

  it('refuses an event without requestedBy, and publishes nothing', async () => {
    await expect(invoke({ requestedBy: '' })).rejects.toMatchObject({ name: 'ValidationError' });
    expect(postureMetrics()).toEqual([]);
    expect(postureEvents()).toEqual([]);
  });
});
