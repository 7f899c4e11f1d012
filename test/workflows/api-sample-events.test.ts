import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { Sandbox } from '../../local/sandbox/index.js';
import { getRequest } from '../../functions/aws/access-requests-table.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { API_ROUTES, lambdaContext } from '../../local/serve/api-gateway.js';
import { stateMachineArn } from '../../local/workflows.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { apiSampleName } from '../api-samples.js';
import { startAccessRequestSandbox, waitFor } from './access-request-fixture.js';

/**
 * Every sample proxy event in events/api/ (the ones `sam local invoke`-style tooling and a reader
 * start from), sent as it is to the handler of its route, in the order a requester and an
 * approver use them: each must reach the handler's own logic (no 400 for the sample's shape) and
 * get the answer docs/triggers.md describes. The path IDs are the samples' placeholders, so the
 * request's and approval's real IDs are put in their place; nothing else is changed.
 */
const REQUESTER = 'arn:aws:iam::000000000000:user/bob';
const APPROVER = 'arn:aws:iam::000000000000:user/erin';

let sandbox: Sandbox;
const childStarts: string[] = [];
const sent = new Set<string>();

type Handler = (event: APIGatewayProxyEvent, context: unknown) => Promise<APIGatewayProxyResult>;

function sample(name: string): APIGatewayProxyEvent {
  return JSON.parse(
    readFileSync(join(repoRoot(), 'events', 'api', `${name}.json`), 'utf8'),
  ) as APIGatewayProxyEvent;
}

/** The sample of `method resource` with its path parameters replaced, sent to its route's handler. */
async function invokeSample(method: string, resource: string, ids: Record<string, string> = {}) {
  const route = API_ROUTES.find((r) => r.method === method && r.resource === resource);
  if (!route) throw new Error(`no route ${method} ${resource}`);
  const event = sample(apiSampleName(route));
  sent.add(`${method} ${resource}`);
  if (event.pathParameters) {
    for (const [name, value] of Object.entries(ids)) {
      event.path = event.path.replace(event.pathParameters[name] as string, value);
      event.pathParameters[name] = value;
    }
  }
  const { handler } = (await import(`../../functions/${route.lambda}/handler.js`)) as { handler: Handler };
  const response = await handler(event, lambdaContext(route.lambda));
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
}

beforeAll(async () => {
  ({ sandbox } = await startAccessRequestSandbox({
    approvers: [`U0ERIN|${APPROVER}`],
    onChildStart: (workflow) => void childStarts.push(workflow),
  }));
});

afterAll(async () => {
  setSlackNotifier(undefined);
  await sandbox?.close();
});

describe('events/api samples, through their handlers', () => {
  let requestId: string;
  let approvalId: string;

  it('POST /access-requests: the sample request is accepted for approval', async () => {
    const created = await invokeSample('POST', '/access-requests');
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ status: 'SUBMITTED', requester: REQUESTER });
    requestId = created.json.requestId as string;
    expect(requestId).toMatch(/\S/);
    const request = await waitFor(async () => {
      const stored = await getRequest(requestId).catch(() => undefined);
      return stored?.approvalId ? stored : undefined;
    }, 'the approval to be requested');
    approvalId = request.approvalId as string;
  });

  it('GET /access-requests/{id}: the requester reads it back', async () => {
    const read = await invokeSample('GET', '/access-requests/{id}', { id: requestId });
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({
      requestId,
      status: 'PENDING_APPROVAL',
      requester: REQUESTER,
      approvalId,
    });
  });

  it('POST /approvals/{approvalId}/approve: the deployed approver approves; the grant starts', async () => {
    const approved = await invokeSample('POST', '/approvals/{approvalId}/approve', { approvalId });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ approvalId, requestId, decision: 'APPROVED', approver: APPROVER });
    await sandbox
      .model<StepFunctionsModel>('SFN')
      .waitForExecution(executionArnFor(stateMachineArn(sandbox, 'access-request'), requestId));
    expect(childStarts).toContain('onboard-user');
  });

  it('POST /approvals/{approvalId}/reject: a second decision is refused, the first stands', async () => {
    const rejected = await invokeSample('POST', '/approvals/{approvalId}/reject', { approvalId });
    expect(rejected.status).toBe(409);
    expect(rejected.json).toMatchObject({ error: 'ALREADY_DECIDED' });
    expect((await getRequest(requestId)).status).toBe('FULFILLED');
  });

  it('POST /access-requests/{id}/revoke: the requester revokes the granted access', async () => {
    const revoked = await invokeSample('POST', '/access-requests/{id}/revoke', { id: requestId });
    expect(revoked.status).toBe(202);
    expect(revoked.json).toMatchObject({ requestId });
    await waitFor(
      async () => (childStarts.includes('offboard-user') ? true : undefined),
      'offboarding to start',
    );
  });

  it('POST /slack/interactions: the sample click, signed long ago, is refused as a replay', async () => {
    const click = await invokeSample('POST', '/slack/interactions');
    expect(click.status).toBe(401);
    expect(click.json).toEqual({
      error: 'SLACK_TIMESTAMP_STALE',
      message: 'the request timestamp is more than 5 minutes from now',
    });
  });

  it('every route of the API had its sample sent', () => {
    expect([...sent].sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.resource}`).sort());
  });
});
