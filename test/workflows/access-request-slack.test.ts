import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getApproval, getRequest } from '../../functions/aws/access-requests-table.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { invokeRoute } from '../../local/serve/api-gateway.js';
import type { LocalTriggers } from '../../local/serve/local-triggers.js';
import { signedSlackClick } from '../../local/serve/slack-request.js';
import { stateMachineArn } from '../../local/workflows.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';
import { startAccessRequestSandbox, waitFor } from './access-request-fixture.js';

const BOB_ARN = 'arn:aws:iam::111111111111:user/bob';
// Bob is an approver too: from Slack (U0BOB) he must still not approve his own request.
const APPROVERS = ['U0ALICE', `U0BOB|${BOB_ARN}`, 'U0CAROL'];

interface Harness {
  sandbox: Sandbox;
  triggers: LocalTriggers;
  grants: unknown[];
  requestIds: string[];
}

async function startHarness(speed: number): Promise<Harness> {
  const grants: unknown[] = [];
  const { sandbox, triggers } = await startAccessRequestSandbox({
    approvers: APPROVERS,
    speed,
    onChildStart: (workflow, input) => {
      if (workflow === 'onboard-user' || workflow === 'issue-certificate') grants.push(input);
    },
  });
  return { sandbox, triggers, grants, requestIds: [] };
}

async function stopHarness(h: Harness): Promise<void> {
  const sfn = h.sandbox.model<StepFunctionsModel>('SFN');
  for (const requestId of h.requestIds) {
    const { approvalId } = await getRequest(requestId);
    if (approvalId) {
      await decideApproval({
        approvalId,
        approver: 'U0ALICE',
        decision: 'REJECTED',
        allowedApprovers: APPROVERS,
      }).catch(() => undefined);
    }
    await sfn.waitForExecution(executionArnFor(stateMachineArn(h.sandbox, 'access-request'), requestId));
  }
  setSlackNotifier(undefined);
  await h.sandbox.close();
}

let keyCounter = 0;
/** Bob asks through the API; resolves once the approval message is in Slack. */
async function requestAccess(h: Harness) {
  keyCounter += 1;
  const response = await invokeRoute({
    method: 'POST',
    path: '/access-requests',
    headers: {
      'content-type': 'application/json',
      'Idempotency-Key': `slack-test-${keyCounter}-${h.triggers.signingSecret.slice(0, 6)}`,
    },
    body: JSON.stringify({
      kind: {
        type: 'cache-user',
        userId: `reader-${keyCounter}`,
        userName: `reader-${keyCounter}`,
        accessString: 'on ~orders:* -@all +@read',
        userGroupIds: ['orders-group'],
      },
      justification: 'read access to the orders cache for incident 4711',
    }),
    identity: { iamArn: BOB_ARN },
  });
  const { requestId } = JSON.parse(response.body) as { requestId: string };
  h.requestIds.push(requestId);
  const message = await waitFor(
    async () =>
      h.triggers.slack.calls.find(
        (c) => c.method === 'chat.postMessage' && c.message.text.includes(requestId),
      ),
    'the approval message',
  );
  const approvalId = /approval (AP-[A-Z2-9]{10})/.exec(message.message.text)?.[1] as string;
  return { requestId, approvalId, message };
}

async function click(
  h: Harness,
  approvalId: string,
  user: string,
  options: { decision?: 'APPROVED' | 'REJECTED'; now?: Date; signingSecret?: string } = {},
) {
  const request = signedSlackClick({
    signingSecret: options.signingSecret ?? h.triggers.signingSecret,
    approvalId,
    user,
    decision: options.decision ?? 'APPROVED',
    ...(options.now ? { now: options.now } : {}),
  });
  const response = await invokeRoute(request);
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown>, request };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness(1000);
});
afterAll(async () => stopHarness(h));

/** Nothing was started or decided: the approval is still pending and no workflow began. */
async function expectNothingHappened(approvalId: string, startsBefore: number, grantsBefore: number) {
  expect((await getApproval(approvalId)).status).toBe('PENDING');
  expect(h.sandbox.faults.calls('SFN', 'StartExecution')).toBe(startsBefore);
  expect(h.grants.length).toBe(grantsBefore);
}

describe('Slack approvals through the interaction endpoint', () => {
  it('posts Approve / Reject with only the approval ID; a valid click starts exactly one granting workflow and names the approver', async () => {
    const { requestId, approvalId, message } = await requestAccess(h);
    const approval = await getApproval(approvalId);
    expect(JSON.stringify(message)).not.toContain(approval.taskToken);
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');

    const approved = await click(h, approvalId, 'U0CAROL');
    expect(approved).toMatchObject({ status: 200, json: { ok: true } });
    const closed = await waitFor(async () => {
      const r = await getRequest(requestId);
      return r.status === 'FULFILLED' ? r : undefined;
    }, 'fulfilment');
    expect(closed.decidedBy).toBe('U0CAROL');
    expect(h.sandbox.faults.calls('SFN', 'StartExecution') - starts).toBe(1);
    expect(h.grants.filter((g) => (g as { requestId: string }).requestId === requestId)).toHaveLength(1);
    expect(h.triggers.slack.calls).toContainEqual({
      method: 'chat.update',
      message: expect.objectContaining({
        ts: '1700000000.000001',
        text: expect.stringContaining('Approved by <@U0CAROL>'),
      }),
    });
  });

  it('refuses a forged signature, a stale timestamp and a future one with 401, changing nothing', async () => {
    const { approvalId } = await requestAccess(h);
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');
    const grants = h.grants.length;
    const forged = await click(h, approvalId, 'U0CAROL', { signingSecret: 'guessed-signing-secret' });
    expect(forged).toMatchObject({ status: 401, json: { error: 'SLACK_SIGNATURE_INVALID' } });
    const stale = await click(h, approvalId, 'U0CAROL', { now: new Date(Date.now() - 6 * 60_000) });
    expect(stale).toMatchObject({ status: 401, json: { error: 'SLACK_TIMESTAMP_STALE' } });
    const future = await click(h, approvalId, 'U0CAROL', { now: new Date(Date.now() + 6 * 60_000) });
    expect(future).toMatchObject({ status: 401, json: { error: 'SLACK_TIMESTAMP_STALE' } });
    // The approver is taken from the signed payload: editing it breaks the signature.
    const signed = signedSlackClick({
      signingSecret: h.triggers.signingSecret,
      approvalId,
      user: 'U0MALLORY',
      decision: 'APPROVED',
    });
    const tampered = await invokeRoute({ ...signed, body: signed.body.replace('U0MALLORY', 'U0CAROL') });
    expect(tampered.statusCode).toBe(401);
    await expectNothingHappened(approvalId, starts, grants);
  });

  it('a replayed request (same signature twice) does nothing the second time', async () => {
    const { requestId, approvalId } = await requestAccess(h);
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');
    const first = await click(h, approvalId, 'U0ALICE', { decision: 'REJECTED' });
    expect(first.json).toEqual({ ok: true });
    const replay = await invokeRoute(first.request);
    expect(JSON.parse(replay.body)).toEqual({ ok: false, error: 'REPLAYED' });
    await waitFor(
      async () => ((await getRequest(requestId)).status === 'REJECTED' ? true : undefined),
      'rejection',
    );
    expect(h.sandbox.faults.calls('SFN', 'StartExecution')).toBe(starts);
    const decided = h.sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter(
        (e) =>
          e.detailType === 'ApprovalDecided' && (e.detail as { requestId: string }).requestId === requestId,
      );
    expect(decided).toHaveLength(1);
  });

  it('refuses self-approval (under another identity of the requester) and approvers outside the group', async () => {
    const { approvalId } = await requestAccess(h);
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');
    const grants = h.grants.length;
    expect((await click(h, approvalId, 'U0BOB')).json).toEqual({ ok: false, error: 'SELF_APPROVAL' });
    expect((await click(h, approvalId, 'U0MALLORY')).json).toEqual({
      ok: false,
      error: 'APPROVER_NOT_ALLOWED',
    });
    expect(h.triggers.slack.calls).toContainEqual({
      method: 'chat.postEphemeral',
      message: expect.objectContaining({
        user: 'U0MALLORY',
        text: 'U0MALLORY is not in the approvers group',
      }),
    });
    await expectNothingHappened(approvalId, starts, grants);
  });

  it('a double click (two signed requests) applies the decision once and starts one workflow', async () => {
    const { requestId, approvalId } = await requestAccess(h);
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');
    const [a, b] = await Promise.all([
      click(h, approvalId, 'U0ALICE'),
      click(h, approvalId, 'U0ALICE', { now: new Date(Date.now() + 1000) }),
    ]);
    expect([a.json, b.json]).toEqual(
      expect.arrayContaining([{ ok: true }, { ok: false, error: 'ALREADY_DECIDED' }]),
    );
    await waitFor(
      async () => ((await getRequest(requestId)).status === 'FULFILLED' ? true : undefined),
      'fulfilment',
    );
    expect(h.sandbox.faults.calls('SFN', 'StartExecution') - starts).toBe(1);
  });

  it('every audit event matches the v1 schema and carries no task token', async () => {
    const events = h.sandbox.model<EventBridgeModel>('EventBridge').events;
    for (const event of events) expect(auditEventV1.safeParse(event.detail).error?.issues).toBeUndefined();
    expect(JSON.stringify(events)).not.toContain('sandbox-task-token');
    expect(JSON.stringify(h.triggers.slack.calls)).not.toContain('sandbox-task-token');
  });
});

describe('approval after the timeout', () => {
  it('is refused and starts nothing: the request was already closed as rejected', async () => {
    await stopHarness(h);
    // 100,000 simulated seconds per real second: the 24 h approval window passes in under a second.
    h = await startHarness(100_000);
    const { requestId, approvalId } = await requestAccess(h);
    await waitFor(
      async () => ((await getRequest(requestId)).status === 'REJECTED' ? true : undefined),
      'expiry',
    );
    const starts = h.sandbox.faults.calls('SFN', 'StartExecution');
    expect((await click(h, approvalId, 'U0ALICE')).json).toEqual({ ok: false, error: 'ALREADY_DECIDED' });
    expect((await getApproval(approvalId)).status).toBe('EXPIRED');
    expect(h.sandbox.faults.calls('SFN', 'StartExecution')).toBe(starts);
    expect(h.grants).toHaveLength(0);
  });
});
