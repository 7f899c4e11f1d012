import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { claimExpiryNotice } from '../../functions/aws/expiry-notice-records.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import type { SlackMessage } from '../../functions/core/api/slack-interaction.js';
import { handler } from '../../functions/notify-certificate-expiry/handler.js';
import { RecordingSlackNotifier } from '../../local/serve/recording-slack.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { createTables } from '../../local/sandbox/tables.js';
import { MemoryCrlAuthority } from '../../local/sandbox/memory-crl-authority.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';

const DAY = 86_400_000;
const CHANNEL = 'C0APPROVALS';
/** What the EventBridge rule sends (infra/constructs/certificate-expiry-notices.ts). */
const scheduledInput = JSON.parse(
  readFileSync(new URL('../../events/notify-certificate-expiry.json', import.meta.url), 'utf8'),
) as { requestedBy: string };

type Result = { due: number; sent: number; alreadySent: number };
let invocation = 0;
const invoke = () =>
  (handler as unknown as (e: unknown, c: unknown) => Promise<Result>)(scheduledInput, {
    awsRequestId: `req-notice-${++invocation}`,
    getRemainingTimeInMillis: () => 300_000,
  });

let sandbox: Sandbox;
let slack: RecordingSlackNotifier;
let authority: MemoryCrlAuthority;
const serials: Record<string, string> = {};

beforeEach(async () => {
  sandbox = await createSandbox({ speed: 0 });
  await createTables();
  slack = new RecordingSlackNotifier();
  setSlackNotifier(slack);
  process.env.SLACK_APPROVAL_CHANNEL = CHANNEL;
  const now = sandbox.clock.now();
  authority = await MemoryCrlAuthority.create('Notice CA', now);
  setCrlAuthority(async () => authority);
  for (const [cn, days] of [
    ['alice', 365],
    ['bob', 20],
    ['carol', 5],
    ['dave', 3],
  ] as const) {
    serials[cn] = (await authority.issue(cn, now, days)).serial;
  }
  await authority.index.revoke({ commonName: 'dave', now });
});
afterEach(async () => {
  delete process.env.SLACK_APPROVAL_CHANNEL;
  delete process.env.CERTIFICATE_NOTICE_DAYS;
  setSlackNotifier(undefined);
  setCrlAuthority(undefined);
  await sandbox.close();
});

const posted = () =>
  slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.message as SlackMessage);
const notices = () =>
  sandbox
    .model<EventBridgeModel>('EventBridge')
    .events.filter((e) => e.detailType === 'CertificateExpiryNotified')
    .map((e) => auditEventV1.parse(e.detail));
const noticed = () => notices().map((e) => `${e.subject.commonName}@${e.subject.thresholdDays}`);

describe('notify-certificate-expiry (scheduled Lambda) on the sandbox', () => {
  it('tells the approval channel once per certificate and threshold, however often it runs', async () => {
    expect(await invoke()).toEqual({ due: 2, sent: 2, alreadySent: 0 });
    // bob (20 days) has reached the 30-day threshold, carol (5 days) the 7-day one, and only that
    // one; alice is far from expiry, dave's certificate is revoked.
    expect(noticed()).toEqual(['carol@7', 'bob@30']);
    expect(posted().map((m) => [m.channel, m.text])).toEqual([
      [CHANNEL, 'VPN certificate for carol expires in 4 days.'],
      [CHANNEL, 'VPN certificate for bob expires in 19 days.'],
    ]);
    expect(JSON.stringify(posted()[0]?.blocks)).toContain(serials.carol);
    const first = notices()[0];
    expect(first).toMatchObject({
      actor: 'cachegate-schedule',
      requestId: 'req-notice-1',
      subject: { commonName: 'carol', serial: serials.carol, thresholdDays: 7, daysLeft: 4, slack: true },
    });

    // The same day again (a repeated delivery, a retry): nothing new.
    expect(await invoke()).toEqual({ due: 2, sent: 0, alreadySent: 2 });
    expect(posted()).toHaveLength(2);

    // Three days on: still the same thresholds for both.
    sandbox.clock.advance(3 * DAY);
    expect((await invoke()).sent).toBe(0);
    // carol's last day: the 1-day threshold; bob still inside 30 only.
    sandbox.clock.advance(1.5 * DAY);
    expect((await invoke()).sent).toBe(1);
    // bob within 7 days; carol has expired (nothing more to say about it).
    sandbox.clock.advance(9 * DAY);
    expect((await invoke()).sent).toBe(1);
    expect(noticed()).toEqual(['carol@7', 'bob@30', 'carol@1', 'bob@7']);
    expect(posted()).toHaveLength(4);
    expect(JSON.stringify(notices())).not.toContain('PRIVATE KEY');
  });

  it('a failed Slack call sends nothing and releases the claim: the retry sends the notice once', async () => {
    let failures = 1;
    setSlackNotifier({
      updateMessage: (message) => slack.updateMessage(message),
      postEphemeral: (message) => slack.postEphemeral(message),
      postMessage: async (message) => {
        if (failures-- > 0) throw new Error('Slack chat.postMessage failed: ratelimited');
        return slack.postMessage(message);
      },
    });
    await expect(invoke()).rejects.toThrow(/ratelimited/);
    expect(notices()).toEqual([]);
    expect(await invoke()).toMatchObject({ sent: 2 });
    expect(noticed().sort()).toEqual(['bob@30', 'carol@7']);
    expect(posted()).toHaveLength(2);
  });

  it('a claim left by a run that died is taken over once stale (15 minutes), not before', async () => {
    const now = sandbox.clock.now();
    expect(
      await claimExpiryNotice(
        { serial: serials.bob!, commonName: 'bob', thresholdDays: 30 },
        now,
        15 * 60_000,
      ),
    ).toBe(true);
    expect(await invoke()).toMatchObject({ sent: 1, alreadySent: 1 });
    expect(noticed()).toEqual(['carol@7']);
    sandbox.clock.advance(16 * 60_000);
    expect(await invoke()).toMatchObject({ sent: 1 });
    expect(noticed()).toEqual(['carol@7', 'bob@30']);
  });

  it('follows the configured thresholds; without a Slack channel it still records the audit event', async () => {
    process.env.CERTIFICATE_NOTICE_DAYS = '14,2';
    delete process.env.SLACK_APPROVAL_CHANNEL;
    expect(await invoke()).toMatchObject({ due: 1, sent: 1 });
    expect(noticed()).toEqual(['carol@14']);
    expect(notices()[0]?.subject.slack).toBe(false);
    expect(posted()).toEqual([]);
  });

  it('refuses a bad threshold list, naming the variable, before telling anyone', async () => {
    process.env.CERTIFICATE_NOTICE_DAYS = '30,0';
    await expect(invoke()).rejects.toThrow(/CERTIFICATE_NOTICE_DAYS: must be whole days/);
    expect(notices()).toEqual([]);
    expect(posted()).toEqual([]);
  });
});
