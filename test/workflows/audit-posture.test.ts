import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { gatherPostureSnapshot } from '../../functions/aws/posture-snapshot.js';
import { CRL_STORE_TABLE } from '../../functions/aws/table-definitions.js';
import { auditCachePosture } from '../../functions/core/posture/cache-findings.js';
import { auditPosture } from '../../functions/core/posture/audit.js';
import {
  auditCaStorePosture,
  auditEndpointPosture,
  endpointCrls,
} from '../../functions/core/posture/vpn-findings.js';
import { DEFAULT_POSTURE_POLICY, SEVERITIES, type Finding } from '../../functions/core/posture/findings.js';
import { countBySeverity } from '../../functions/core/posture/report.js';
import {
  LocalStateMachine,
  type LambdaHandler,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { CloudWatchModel } from '../../local/sandbox/models/cloudwatch.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { POSTURE_CACHE_SUBNET, seedPostureAccount } from '../../local/sandbox/posture-seed.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';
import { captureHandlerLogs } from './handler-logs.js';
import { expectNoPasswordLeak } from './rbac-fixture.js';

/** What the schedule starts the workflow with (infra/constructs/posture-schedule.ts). */
const scheduledInput = JSON.parse(
  readFileSync(new URL('../../events/audit-posture.json', import.meta.url), 'utf8'),
) as { requestedBy: string };

let handlerLogs: ReturnType<typeof captureHandlerLogs>;
let sandbox: Sandbox;
let machine: LocalStateMachine;
/** What each part's Lambda returned, as it returned it (before the state's ResultSelector). */
let returned: Record<string, unknown[]>;

/** The real handler of `functions/<name>`, its results recorded. */
async function recording(name: string): Promise<LambdaHandler> {
  const real = ((await import(`../../functions/${name}/handler.js`)) as { handler: LambdaHandler }).handler;
  return async (event, context) => {
    const result = await real(event, context);
    (returned[name] ??= []).push(result);
    return result;
  };
}

beforeAll(() => {
  handlerLogs = captureHandlerLogs();
});
afterAll(() => handlerLogs.stop());
beforeEach(async () => {
  handlerLogs.lines.length = 0;
  sandbox = await createSandbox({ speed: 1000 });
  returned = {};
  machine = LocalStateMachine.load('audit-posture', {
    sandbox,
    handlers: {
      'audit-cache-posture': await recording('audit-cache-posture'),
      'audit-vpn-posture': await recording('audit-vpn-posture'),
      'audit-ca-posture': await recording('audit-ca-posture'),
    },
  });
  // What the construct gives the VPN parts: the cache subnets, the CA certificate secret, the CRL
  // store (its local name here); the seeding installs its in-memory CA as the authority it reads.
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
const publishedCounts = () =>
  Object.fromEntries(postureMetrics().map((m) => [m.dimensions.Severity, m.value]));

/**
 * The `posture finding` lines of the handlers' logs, by the part that logged them. (By `part`, not
 * by Powertools' `function_name`: the two branches run at once in this one process, where the
 * shared Logger holds the context of whichever invocation started last; in Lambda each function
 * has its own.)
 */
function loggedFindings(): { part: string; finding: Finding & { region: string } }[] {
  return handlerLogs.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { message?: string; part?: string; finding?: never };
      return entry.message === 'posture finding' ? [{ part: entry.part ?? '', finding: entry.finding! }] : [];
    } catch {
      return [];
    }
  });
}
const pairs = (list: { kind: string; resource: string }[]) =>
  list.map((f) => `${f.kind} ${f.resource}`).sort();

/** The oracle: `cachegate audit`'s path (one snapshot of both halves) on the same account, now. */
async function auditedInOneGo() {
  const snapshot = await gatherPostureSnapshot({
    region: sandbox.region,
    cacheSubnetCidrs: [POSTURE_CACHE_SUBNET],
    withCa: true,
  });
  const now = sandbox.clock.now();
  const crls = endpointCrls(snapshot.vpnEndpoints);
  return {
    all: auditPosture(snapshot, DEFAULT_POSTURE_POLICY, now),
    cache: auditCachePosture(snapshot, DEFAULT_POSTURE_POLICY, now),
    vpn: auditEndpointPosture(snapshot, DEFAULT_POSTURE_POLICY, now),
    ca: auditCaStorePosture(
      {
        region: snapshot.region,
        ...(snapshot.ca?.latestCrl ? { latestCrl: snapshot.ca.latestCrl } : {}),
        endpointCrls: crls,
        clientCertificates: snapshot.clientCertificates,
      },
      DEFAULT_POSTURE_POLICY,
      now,
    ),
    crls,
  };
}

describe('audit-posture workflow (its parts in Lambdas of their own, then publish) on the sandbox', () => {
  it('on an account with problems in every part: the sum of the parts published once, each finding logged by its part', async () => {
    const account = await seedPostureAccount(sandbox, { problems: true });
    const run = await machine.run(scheduledInput);
    expect(run.status).toBe('SUCCEEDED');
    const expected = await auditedInOneGo();
    expect(expected.cache.length).toBeGreaterThan(0);
    expect(expected.vpn.length).toBeGreaterThan(0);
    expect(expected.ca.length).toBeGreaterThan(0);
    expect(pairs(expected.all)).toEqual(pairs(account.problems));
    const counts = countBySeverity(expected.all);
    // The alarm's inputs are not zero: an open cache, a foreign CRL (critical), admin-like users, an
    // expiring server certificate (high)...
    expect(counts.critical).toBeGreaterThan(0);
    expect(counts.high).toBeGreaterThan(0);

    expect(postureMetrics().map((m) => m.dimensions)).toEqual(SEVERITIES.map((Severity) => ({ Severity })));
    expect(publishedCounts()).toEqual(counts);
    expect(postureMetrics().every((m) => m.unit === 'Count')).toBe(true);
    const events = postureEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'cachegate-schedule',
      requestId: run.executionArn.split(':').pop(),
      subject: { region: sandbox.region, total: account.problems.length, ...counts },
    });
    expect(run.output).toEqual({ summary: { ...counts, total: account.problems.length } });

    const logged = loggedFindings();
    const by = (part: string) => logged.filter((l) => l.part === part).map((l) => l.finding);
    expect(pairs(by('cache'))).toEqual(pairs(expected.cache));
    expect(pairs(by('vpn'))).toEqual(pairs(expected.vpn));
    expect(pairs(by('ca'))).toEqual(pairs(expected.ca));
    expect(logged).toHaveLength(expected.all.length);
    expect(logged.every((l) => l.finding.region === sandbox.region)).toBe(true);

    // Each part hands back its counts and nothing else (Step Functions caps a payload at 256 KiB),
    // the endpoints' part one small entry per endpoint besides; no finding's evidence or fix is in
    // the execution's history.
    expect(returned).toEqual({
      'audit-cache-posture': [{ part: 'cache', counts: countBySeverity(expected.cache) }],
      'audit-vpn-posture': [
        {
          part: 'vpn',
          counts: countBySeverity(expected.vpn),
          endpointCrls: expected.crls,
          serverSerials: expect.any(Array),
        },
      ],
      'audit-ca-posture': [{ part: 'ca', counts: countBySeverity(expected.ca) }],
    });
    const [vpnReturned] = returned['audit-vpn-posture'] as { serverSerials: string[] }[];
    expect(vpnReturned?.serverSerials.length).toBe(Object.keys(account.endpoints).length);
    const history = JSON.stringify([run.events, run.output]);
    for (const finding of expected.all) {
      expect(history).not.toContain(finding.evidence);
      expect(history).not.toContain(finding.fix);
    }
    // No secret anywhere: no user password, no private key (the CA's, the server certificate's).
    expectNoPasswordLeak(sandbox, [run], 5, handlerLogs.lines);
    const everything = [history, JSON.stringify(postureEvents()), ...handlerLogs.lines].join('\n');
    expect(everything).not.toMatch(/PRIVATE KEY/);
  });

  it('on the clean account: every severity published as 0 (the alarm sees each period), no finding logged', async () => {
    await seedPostureAccount(sandbox, { problems: false });
    const run = await machine.run(scheduledInput);
    expect(run.status).toBe('SUCCEEDED');
    expect(postureMetrics().map((m) => [m.dimensions.Severity, m.value])).toEqual(
      SEVERITIES.map((s) => [s, 0]),
    );
    expect(postureEvents().map((e) => e.subject)).toEqual([
      { region: sandbox.region, total: 0, ...Object.fromEntries(SEVERITIES.map((s) => [s, 0])) },
    ]);
    expect(loggedFindings()).toEqual([]);
  });

  it.each([
    ['cache', 'ElastiCache', 'DescribeUsers'],
    ['endpoints', 'EC2', 'DescribeClientVpnEndpoints'],
    ['CA stores', 'DynamoDB', 'GetItem'],
  ])(
    'the %s part, failing on every attempt (%s %s), is retried, then fails the run: no metric or event of a partial audit',
    async (_part, service, command) => {
      await seedPostureAccount(sandbox, { problems: true });
      const fault = sandbox.faults.inject({ service, command, mode: 'throw', times: 100 });
      const run: LocalExecution = await machine.run(scheduledInput);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('InternalFailure');
      // The first attempt and the InternalFailure retrier's 4 more.
      expect(fault.fired()).toBe(5);
      expect(postureMetrics()).toEqual([]);
      expect(postureEvents()).toEqual([]);
    },
  );

  it('a part that fails once is retried and the run publishes the whole audit', async () => {
    const account = await seedPostureAccount(sandbox, { problems: true });
    sandbox.faults.inject({ service: 'EC2', command: 'DescribeClientVpnEndpoints', mode: 'crash' });
    const run = await machine.run(scheduledInput);
    expect(run.status).toBe('SUCCEEDED');
    expect(postureEvents().map((e) => e.subject.total)).toEqual([account.problems.length]);
  });
});

describe('publish-posture-findings', () => {
  const context = { awsRequestId: 'req-posture-1', getRemainingTimeInMillis: () => 60_000 };
  const zero = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const publish = async (event: unknown) => {
    const { handler } = await import('../../functions/publish-posture-findings/handler.js');
    return (handler as unknown as (e: unknown, c: unknown) => Promise<unknown>)(event, context);
  };

  const all = {
    cache: { part: 'cache', counts: zero },
    vpn: { part: 'vpn', counts: zero },
    ca: { part: 'ca', counts: zero },
  };
  const { ca: _ca, ...withoutCa } = all;

  it('publishes the sum of the three parts', async () => {
    const one = { ...zero, high: 1 };
    await publish({
      requestedBy: 'cachegate-schedule',
      requestId: 'scheduled-20270301T0000Z',
      cache: { part: 'cache', counts: one },
      vpn: { part: 'vpn', counts: { ...zero, high: 2, low: 1 } },
      ca: { part: 'ca', counts: { ...zero, medium: 4 } },
    });
    expect(publishedCounts()).toEqual({ ...zero, high: 3, medium: 4, low: 1 });
    expect(postureEvents()[0]?.subject).toMatchObject({ total: 8, high: 3 });
  });

  it.each([
    ['a part missing', withoutCa],
    ["a part in another's place", { ...all, ca: { part: 'vpn', counts: zero } }],
    ['a severity missing', { ...all, vpn: { part: 'vpn', counts: { high: 1 } } }],
    ['no requestedBy', { ...all, requestedBy: '' }],
  ])('refuses %s, and publishes nothing', async (_what, input) => {
    await expect(
      publish({ requestedBy: 'cachegate-schedule', requestId: 'scheduled-20270301T0000Z', ...input }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    expect(postureMetrics()).toEqual([]);
    expect(postureEvents()).toEqual([]);
  });
});
