import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { getRequest } from '../../functions/aws/access-requests-table.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { invokeRoute, type LocalIdentity } from '../../local/serve/api-gateway.js';
import type { LocalTriggers } from '../../local/serve/local-triggers.js';
import { signedSlackClick } from '../../local/serve/slack-request.js';
import { stateMachineArn } from '../../local/workflows.js';
import { auditEventV1 } from '../unit/api/audit-event-schema.js';
import { startAccessRequestSandbox, waitFor } from './access-request-fixture.js';

const BOB = { iamArn: 'arn:aws:iam::111111111111:user/bob' };
const ALICE = { iamArn: 'arn:aws:iam::111111111111:user/alice' };
const MALLORY = { iamArn: 'arn:aws:iam::111111111111:user/mallory' };

let sandbox: Sandbox;
let triggers: LocalTriggers;
let accessRequestRuns = 0;
const childStarts: { workflow: string; input: Record<string, unknown> }[] = [];
const created = new Set<string>();
/** Revocations the test holds open until it decides how they end. */
const revocationGates = new Map<string, Promise<'succeed' | 'fail'>>();

beforeAll(async () => {
  ({ sandbox, triggers } = await startAccessRequestSandbox({
    approvers: [`U0ALICE|${ALICE.iamArn}`],
    onRun: () => void (accessRequestRuns += 1),
    onChildStart: async (workflow, input) => {
      childStarts.push({ workflow, input });
      const requestId = (input as { requestId?: string }).requestId ?? '';
      const gate = revocationGates.get(requestId);
      if (gate && (workflow === 'offboard-user' || workflow === 'revoke-certificate')) {
        const outcome = await gate;
        if (outcome === 'fail') return { status: 'FAILED', error: 'Sandbox.Refused', cause: 'test' };
      }
    },
  }));
});
afterAll(async () => {
  // Answer every request still waiting, so no workflow outlives the sandbox.
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  for (const requestId of created) {
    const request = await waitFor(async () => {
      const stored = await getRequest(requestId).catch(() => undefined);
      return stored?.approvalId || (stored && stored.status !== 'PENDING_APPROVAL') ? stored : undefined;
    }, 'a request to be waiting');
    if (request.status === 'PENDING_APPROVAL') {
      await decideApproval({
        approvalId: request.approvalId as string,
        approver: 'U0ALICE',
        decision: 'REJECTED',
        allowedApprovers: ['U0ALICE'],
      }).catch(() => undefined);
    }
    await sfn.waitForExecution(executionArnFor(stateMachineArn(sandbox, 'access-request'), requestId));
  }
  setSlackNotifier(undefined);
  await sandbox.close();
});

async function call(
  method: string,
  path: string,
  options: { identity?: LocalIdentity; headers?: Record<string, string>; body?: unknown } = {},
) {
  const body =
    options.body === undefined
      ? ''
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const response = await invokeRoute({
    method,
    path,
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    identity: options.identity,
  });
  const requestId = (JSON.parse(response.body) as { requestId?: string }).requestId;
  if (requestId) created.add(requestId);
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
}

const cacheUserBody = (userId = 'orders-reader') => ({
  kind: {
    type: 'cache-user',
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds: ['orders-group'],
  },
  justification: 'read access to the orders cache for incident 4711',
});

const startedExecutions = () => sandbox.faults.calls('SFN', 'StartExecution');

async function approve(requestId: string, user = 'U0ALICE') {
  const { approvalId } = await waitFor(async () => {
    const request = await getRequest(requestId).catch(() => undefined);
    return request?.approvalId ? request : undefined;
  }, 'the approval to be requested');
  return invokeRoute(
    signedSlackClick({
      signingSecret: triggers.signingSecret,
      approvalId: approvalId as string,
      user,
      decision: 'APPROVED',
    }),
  );
}

async function finalStatus(requestId: string, status: string) {
  return waitFor(async () => {
    const request = await getRequest(requestId).catch(() => undefined);
    return request?.status === status ? request : undefined;
  }, `request ${requestId} to be ${status}`);
}

describe('onboarding API (API Gateway proxy handlers on the sandbox)', () => {
  it('POST creates one request; repeating it returns the same request and starts no second workflow', async () => {
    const headers = { 'Idempotency-Key': 'onboard-orders-0001' };
    const before = accessRequestRuns;
    const first = await call('POST', '/access-requests', { identity: BOB, headers, body: cacheUserBody() });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({
      requester: BOB.iamArn,
      kind: { type: 'cache-user', userId: 'orders-reader' },
    });
    const requestId = first.json.requestId as string;

    const again = await call('POST', '/access-requests', { identity: BOB, headers, body: cacheUserBody() });
    expect(again.status).toBe(200);
    expect(again.json.requestId).toBe(requestId);

    expect((await approve(requestId)).statusCode).toBe(200);
    await finalStatus(requestId, 'FULFILLED');
    // After the workflow ended, the same call still names the same request and starts nothing.
    const late = await call('POST', '/access-requests', { identity: BOB, headers, body: cacheUserBody() });
    expect(late).toMatchObject({
      status: 200,
      json: { requestId, status: 'FULFILLED', decidedBy: 'U0ALICE' },
    });
    expect(accessRequestRuns - before).toBe(1);
    expect(childStarts.filter((s) => s.input.requestId === requestId)).toHaveLength(1);
  });

  it('refuses the same key with a different body (409) and starts nothing', async () => {
    const headers = { 'Idempotency-Key': 'onboard-orders-0002' };
    expect(
      (await call('POST', '/access-requests', { identity: BOB, headers, body: cacheUserBody() })).status,
    ).toBe(202);
    const before = startedExecutions();
    const reused = await call('POST', '/access-requests', {
      identity: BOB,
      headers,
      body: cacheUserBody('payments-reader'),
    });
    expect(reused).toMatchObject({ status: 409, json: { error: 'CONFLICT' } });
    expect(startedExecutions()).toBe(before);
  });

  it('keys are per requester: the same key from two people makes two requests', async () => {
    const headers = { 'Idempotency-Key': 'shared-key-0003' };
    const bob = await call('POST', '/access-requests', { identity: BOB, headers, body: cacheUserBody() });
    const mallory = await call('POST', '/access-requests', {
      identity: MALLORY,
      headers,
      body: cacheUserBody(),
    });
    expect(bob.json.requestId).not.toBe(mallory.json.requestId);
  });

  it('GET shows the request to its requester and approvers only', async () => {
    const created = await call('POST', '/access-requests', {
      identity: BOB,
      headers: { 'Idempotency-Key': 'get-check-0004' },
      body: cacheUserBody(),
    });
    const path = `/access-requests/${created.json.requestId as string}`;
    expect((await call('GET', path, { identity: BOB })).status).toBe(200);
    expect((await call('GET', path, { identity: ALICE })).status).toBe(200);
    expect((await call('GET', path, { identity: MALLORY })).status).toBe(404);
    expect((await call('GET', path)).status).toBe(401);
    expect((await call('GET', '/access-requests/bad%20id', { identity: BOB })).json).toMatchObject({
      field: 'id',
    });
    const view = JSON.stringify((await call('GET', path, { identity: BOB })).json);
    expect(view).not.toMatch(/taskToken|sandbox-task-token/);
  });

  it('revoke: only once granted, only by the requester or an approver, and one offboarding however often it is asked', async () => {
    const created = await call('POST', '/access-requests', {
      identity: BOB,
      headers: { 'Idempotency-Key': 'revoke-check-0005' },
      body: cacheUserBody('revoke-reader'),
    });
    const requestId = created.json.requestId as string;
    const path = `/access-requests/${requestId}/revoke`;
    expect((await call('POST', path, { identity: BOB })).status).toBe(409);
    await approve(requestId);
    await finalStatus(requestId, 'FULFILLED');

    expect((await call('POST', path, { identity: MALLORY })).status).toBe(404);
    expect((await call('POST', path, { identity: BOB, body: { reason: 'x', extra: 1 } })).json).toMatchObject(
      {
        field: 'extra',
      },
    );
    const revoked = await call('POST', path, { identity: BOB, body: { reason: 'left the team' } });
    expect(revoked).toMatchObject({ status: 202, json: { status: 'REVOKING', revokedBy: BOB.iamArn } });
    expect((await call('POST', path, { identity: ALICE })).status).toBe(202);
    const offboardings = childStarts.filter(
      (s) => s.workflow === 'offboard-user' && s.input.requestId === requestId,
    );
    expect(offboardings).toEqual([
      {
        workflow: 'offboard-user',
        input: { requestId, requestedBy: BOB.iamArn, reason: 'left the team', userId: 'revoke-reader' },
      },
    ]);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => (e.detail as { requestId?: string }).requestId === requestId)
      .map((e) => e.detailType);
    expect(audit).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalDecided',
      'AccessRequestClosed',
      'AccessRevocationRequested',
    ]);
  });

  it('revoke ends: GET shows REVOKED once the revoking workflow succeeded, REVOKE_FAILED if it failed', async () => {
    const outcomes: Record<string, (outcome: 'succeed' | 'fail') => void> = {};
    const grant = async (key: string, body: unknown) => {
      const requestId = (
        await call('POST', '/access-requests', { identity: BOB, headers: { 'Idempotency-Key': key }, body })
      ).json.requestId as string;
      revocationGates.set(requestId, new Promise((resolve) => (outcomes[requestId] = resolve)));
      await approve(requestId);
      await finalStatus(requestId, 'FULFILLED');
      return requestId;
    };
    const user = await grant('revoke-end-0001', cacheUserBody('revoke-end-reader'));
    const cert = await grant('revoke-end-0002', {
      kind: { type: 'vpn-certificate', commonName: 'bob.laptop' },
      justification: 'VPN access to the cache network for on-call',
    });
    for (const requestId of [user, cert]) {
      expect((await call('POST', `/access-requests/${requestId}/revoke`, { identity: BOB })).status).toBe(
        202,
      );
      // Still running: the request stays REVOKING.
      expect((await call('GET', `/access-requests/${requestId}`, { identity: BOB })).json.status).toBe(
        'REVOKING',
      );
    }
    const sfn = sandbox.model<StepFunctionsModel>('SFN');
    outcomes[user]!('succeed');
    outcomes[cert]!('fail');
    await sfn.waitForExecution(executionArnFor(stateMachineArn(sandbox, 'offboard-user'), `revoke-${user}`));
    await sfn.waitForExecution(
      executionArnFor(stateMachineArn(sandbox, 'revoke-certificate'), `revoke-${cert}`),
    );
    const describesBefore = sandbox.faults.calls('SFN', 'DescribeExecution');
    expect((await call('GET', `/access-requests/${user}`, { identity: ALICE })).json.status).toBe('REVOKED');
    expect((await call('GET', `/access-requests/${cert}`, { identity: BOB })).json.status).toBe(
      'REVOKE_FAILED',
    );
    expect(await getRequest(user)).toMatchObject({
      status: 'REVOKED',
      revocationEndedAt: expect.any(String),
    });
    // Recorded once: reading again asks Step Functions nothing, and nobody outside sees it.
    expect((await call('GET', `/access-requests/${user}`, { identity: BOB })).json.status).toBe('REVOKED');
    expect(sandbox.faults.calls('SFN', 'DescribeExecution')).toBe(describesBefore + 2);
    expect((await call('GET', `/access-requests/${user}`, { identity: MALLORY })).status).toBe(404);
    // A finished revocation is not started again.
    expect((await call('POST', `/access-requests/${user}/revoke`, { identity: BOB })).status).toBe(409);

    // A failed one is retried by asking again: the next attempt under a name of its own (the
    // first cannot be reused), once however often it is asked, then recorded as it ends.
    revocationGates.set(cert, Promise.resolve('succeed'));
    const startsBefore = childStarts.length;
    const events = () =>
      sandbox
        .model<EventBridgeModel>('EventBridge')
        .events.filter((e) => e.detailType === 'AccessRevocationRequested')
        .map((e) => e.detail as { requestId?: string; subject: unknown })
        .filter((detail) => detail.requestId === cert);
    const retried = await call('POST', `/access-requests/${cert}/revoke`, { identity: ALICE });
    expect(retried).toMatchObject({ status: 202, json: { status: 'REVOKING', revocationAttempt: 2 } });
    const again = await call('POST', `/access-requests/${cert}/revoke`, { identity: BOB });
    expect(again).toMatchObject({ status: 202, json: { status: 'REVOKING', revokedBy: ALICE.iamArn } });
    expect(childStarts.slice(startsBefore).map((s) => s.workflow)).toEqual(['revoke-certificate']);
    expect(events().map((detail) => detail.subject)).toEqual([
      { kind: 'vpn-certificate', workflow: 'revoke-certificate' },
      { kind: 'vpn-certificate', workflow: 'revoke-certificate', attempt: 2 },
    ]);
    await sfn.waitForExecution(
      executionArnFor(stateMachineArn(sandbox, 'revoke-certificate'), `revoke-${cert}-2`),
    );
    expect((await call('GET', `/access-requests/${cert}`, { identity: BOB })).json.status).toBe('REVOKED');
    expect(await getRequest(cert)).toMatchObject({ status: 'REVOKED', revocationAttempt: 2 });
    expect((await call('POST', `/access-requests/${cert}/revoke`, { identity: BOB })).status).toBe(409);
  });

  it('fuzz: malformed bodies, headers and identities get a 4xx and start nothing', async () => {
    const valid = cacheUserBody();
    const brokenBody = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom('', 'null', '[]', '{', '"text"', '{"kind":null}', '\u0000'),
      // A valid body with one thing made wrong.
      fc
        .record({
          field: fc.constantFrom('type', 'userId', 'userName', 'accessString', 'userGroupIds'),
          value: fc.oneof(
            fc.constant(undefined),
            fc.integer(),
            fc.constant(''),
            fc.constant([]),
            fc.constant(null),
          ),
        })
        .map(({ field, value }) => JSON.stringify({ ...valid, kind: { ...valid.kind, [field]: value } })),
      fc.string({ maxLength: 9 }).map((j) => JSON.stringify({ ...valid, justification: j })),
      fc
        .constantFrom('requester', 'requestId', 'status', '__proto__x')
        .map((key) => JSON.stringify({ ...valid, [key]: 'alice' })),
    );
    const goodHeaders = { 'Idempotency-Key': 'fuzz-key-0001' };
    const brokenHeaders = fc.oneof(
      fc.constant({} as Record<string, string>),
      fc
        .string({ maxLength: 200 })
        .filter((k) => !/^[A-Za-z0-9_.:-]{8,128}$/.test(k))
        .map((k) => ({ 'Idempotency-Key': k })),
    );
    const request = fc.oneof(
      fc.record({
        body: brokenBody,
        headers: fc.constant(goodHeaders),
        identity: fc.constant<LocalIdentity>(BOB),
      }),
      fc.record({
        body: fc.constant(JSON.stringify(valid)),
        headers: brokenHeaders,
        identity: fc.constant<LocalIdentity>(BOB),
      }),
      fc.record({
        body: fc.constant(JSON.stringify(valid)),
        headers: fc.constant(goodHeaders),
        identity: fc.constantFrom<LocalIdentity>(
          undefined,
          { iamArn: '' },
          { cognitoSub: '' },
          { iamArn: 'a'.repeat(200) },
        ),
      }),
    );
    const before = startedExecutions();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ body, headers, identity }) => {
        const response = await invokeRoute({
          method: 'POST',
          path: '/access-requests',
          headers,
          body,
          identity,
        });
        statuses.add(response.statusCode);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    expect(startedExecutions()).toBe(before);
    expect([...statuses].sort()).toEqual(expect.arrayContaining([400, 401]));
  });

  it('every audit event these runs produced matches events/schemas/audit-event.v1.json', () => {
    const events = sandbox.model<EventBridgeModel>('EventBridge').events;
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      expect(event.source).toBe('cachegate');
      const parsed = auditEventV1.safeParse(event.detail);
      expect(parsed.error?.issues).toBeUndefined();
      expect((event.detail as { action: string }).action).toBe(event.detailType);
    }
  });
});
