import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { createAwsClient } from '../../functions/aws/clients.js';
import { getApproval, getRequest } from '../../functions/aws/access-requests-table.js';
import { setSlackNotifier } from '../../functions/aws/slack-notifier.js';
import { executionArnFor } from '../../functions/core/api/workflow-arns.js';
import { decideWithAws } from '../../bin/cli/approval/approval-aws.js';
import { withApprovalTimeout } from '../../workflows/approval-timeout.js';
import { LocalStateMachine } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { invokeRoute, type LocalIdentity } from '../../local/serve/api-gateway.js';
import { stateMachineArn } from '../../local/workflows.js';
import { startSigV4Gateway, type IamPrincipal } from './sigv4-gateway.js';
import { startAccessRequestSandbox, waitFor } from '../workflows/access-request-fixture.js';

const ACCOUNT = '111111111111';
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const CAROL = `arn:aws:iam::${ACCOUNT}:user/carol`;
const MALLORY = `arn:aws:iam::${ACCOUNT}:user/mallory`;
const OPS_ROLE = `arn:aws:iam::${ACCOUNT}:role/Ops`;
/** Two sessions of one role: the session name is whatever the caller of AssumeRole chose. */
const OPS_AS_MALLORY = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/mallory`;
const OPS_AS_ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`;
const APPROVERS = [`U0ALICE|${ALICE}`, CAROL, OPS_ROLE];

const principals = new Map<string, IamPrincipal>(
  [ALICE, BOB, CAROL, MALLORY, OPS_AS_MALLORY, OPS_AS_ALICE].map((arn, i) => [
    `AKIATEST${String(i).padStart(12, '0')}`,
    { arn, secretAccessKey: `secret-${i}-${randomUUID()}` },
  ]),
);

let sandbox: Sandbox;
let gateway: Awaited<ReturnType<typeof startSigV4Gateway>>;
const granted: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  ({ sandbox } = await startAccessRequestSandbox({
    approvers: APPROVERS,
    onChildStart: (workflow, input) => {
      if (workflow === 'onboard-user' || workflow === 'issue-certificate')
        granted.push(input.requestId as string);
    },
  }));
  gateway = await startSigV4Gateway(principals);
});
afterAll(async () => {
  process.env = savedEnv;
  await gateway.close();
  setSlackNotifier(undefined);
  await sandbox.close();
});

/** The CLI's AWS credentials: those of `arn`, from the environment (the SDK's default chain). */
function actAs(arn: string): void {
  const [accessKeyId, principal] = [...principals].find(([, p]) => p.arn === arn) as [string, IamPrincipal];
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = principal.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
}

const decide = (approvalId: string, decision: 'APPROVED' | 'REJECTED' = 'APPROVED') =>
  decideWithAws({ approvalId, decision, apiUrl: gateway.url, region: 'eu-west-1' });

const requestBody = {
  kind: { type: 'vpn-certificate', commonName: 'orders-client' },
  justification: 'VPN access to the orders cache for the on-call week',
};

/** POST /access-requests as `requester`; resolves once the workflow waits for a decision. */
async function request(requester: LocalIdentity): Promise<{ requestId: string; approvalId: string }> {
  const response = await invokeRoute({
    method: 'POST',
    path: '/access-requests',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': `key-${randomUUID()}` },
    body: JSON.stringify(requestBody),
    identity: requester,
  });
  expect(response.statusCode).toBe(202);
  const { requestId } = JSON.parse(response.body) as { requestId: string };
  const approvalId = await waitFor(
    async () => (await getRequest(requestId).catch(() => undefined))?.approvalId,
    'the approval to be asked',
  );
  return { requestId, approvalId };
}

const finished = (requestId: string) =>
  sandbox
    .model<StepFunctionsModel>('SFN')
    .waitForExecution(executionArnFor(stateMachineArn(sandbox, 'access-request'), requestId));

const decidedEvents = (requestId: string) =>
  sandbox
    .model<EventBridgeModel>('EventBridge')
    .events.filter(
      (e) =>
        e.detailType === 'ApprovalDecided' && (e.detail as { requestId?: string }).requestId === requestId,
    );

describe('approve|reject --aws: IAM-authorized routes, the approver verified by API Gateway', () => {
  it('approves as the signed caller, checked against the deployed approvers; the request is granted', async () => {
    const { requestId, approvalId } = await request({ iamArn: BOB });
    actAs(ALICE);
    const result = await decide(approvalId);
    expect(result).toEqual({ approvalId, requestId, decision: 'APPROVED', approver: ALICE });
    await finished(requestId);
    expect(await getRequest(requestId)).toMatchObject({ status: 'FULFILLED', decidedBy: ALICE });
    expect(granted).toContain(requestId);
    expect(decidedEvents(requestId).map((e) => e.detail)).toEqual([
      expect.objectContaining({ actor: ALICE }),
    ]);
  });

  it('attack: a non-approver cannot make themselves one (no client-side list; the server refuses them)', async () => {
    const { requestId, approvalId } = await request({ iamArn: BOB });
    actAs(MALLORY);
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'APPROVER_NOT_ALLOWED', exitCode: 2 });
    // A forged signature never reaches the function.
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'HTTP_403' });
    expect((await getApproval(approvalId)).status).toBe('PENDING');
    // Naming approvers on the client is a usage error, not an input.
    const cli = await runCli(
      'approve',
      approvalId,
      '--aws',
      '--api-url',
      gateway.url,
      '--approvers',
      MALLORY,
    );
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain("unknown option '--approvers'");
    actAs(CAROL);
    await decide(approvalId, 'REJECTED');
    await finished(requestId);
    expect((await getRequest(requestId)).status).toBe('REJECTED');
  });

  it('attack: a task answered outside the decision function (token read from the table) grants nothing', async () => {
    // Carol is an approver and the requester: she may not decide, so she answers the task herself.
    const { requestId, approvalId } = await request({ iamArn: CAROL });
    const { taskToken } = await getApproval(approvalId);
    await createAwsClient(SFNClient, {}).send(
      new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ decision: 'APPROVED' }) }),
    );
    await finished(requestId);
    expect((await getRequest(requestId)).status).toBe('REJECTED');
    expect(granted).not.toContain(requestId);
    expect((await getApproval(approvalId)).status).toBe('EXPIRED');
    expect(decidedEvents(requestId)).toEqual([]);
  });

  it('attack: two sessions of one role differ only in a caller-chosen name, so they are one identity', async () => {
    const { requestId, approvalId } = await request({ iamArn: OPS_AS_MALLORY });
    expect((await getRequest(requestId)).requester).toBe(OPS_ROLE);
    actAs(OPS_AS_ALICE);
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    expect((await getApproval(approvalId)).status).toBe('PENDING');
    actAs(ALICE);
    await decide(approvalId);
    await finished(requestId);
    expect((await getRequest(requestId)).status).toBe('FULFILLED');
  });

  it('attack: SendTaskSuccess fails once after the decision was recorded; the approver’s retry sends it again', async () => {
    const { requestId, approvalId } = await request({ iamArn: BOB });
    sandbox.faults.inject({ service: 'SFN', command: 'SendTaskSuccess', mode: 'throw' });
    actAs(ALICE);
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await getApproval(approvalId)).toMatchObject({ status: 'APPROVED', decidedBy: ALICE });
    expect((await getApproval(approvalId)).answeredAt).toBeUndefined();
    await expect(decide(approvalId)).resolves.toMatchObject({ decision: 'APPROVED', approver: ALICE });
    await finished(requestId);
    expect((await getRequest(requestId)).status).toBe('FULFILLED');
    expect(granted).toContain(requestId);
    // Answered now: a third call is refused, and a rejection never overrides the approval.
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    actAs(CAROL);
    await expect(decide(approvalId, 'REJECTED')).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
  });

  it('refuses a body naming an approver or a decision: the route and the signature say it all', async () => {
    const { requestId, approvalId } = await request({ iamArn: BOB });
    for (const body of [{ approver: ALICE }, { decision: 'APPROVED' }, '[]', 'approver=alice']) {
      const response = await invokeRoute({
        method: 'POST',
        path: `/approvals/${approvalId}/approve`,
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        identity: { iamArn: ALICE },
      });
      expect(response.statusCode).toBe(400);
    }
    const unsigned = await invokeRoute({
      method: 'POST',
      path: `/approvals/${approvalId}/approve`,
      headers: {},
      body: '',
    });
    expect(unsigned.statusCode).toBe(401);
    expect((await getApproval(approvalId)).status).toBe('PENDING');
    actAs(CAROL);
    await decide(approvalId, 'REJECTED');
    await finished(requestId);
  });
});

describe('a decision whose answer was lost, with nobody retrying', () => {
  it('is applied by the workflow’s own check when the window ends', async () => {
    // A one-hour window passes in 3.6 s at 1000 simulated seconds per second.
    const machine = LocalStateMachine.load('access-request', {
      sandbox,
      substitutions: {
        OnboardUserStateMachineArn: stateMachineArn(sandbox, 'onboard-user'),
        IssueCertificateStateMachineArn: stateMachineArn(sandbox, 'issue-certificate'),
      },
      transform: (asl) => withApprovalTimeout(asl, 3600),
    });
    const requestId = `req-${randomUUID()}`;
    const run = machine.run({ request: { requestId, requester: BOB, ...requestBody } });
    const approvalId = await waitFor(
      async () => (await getRequest(requestId).catch(() => undefined))?.approvalId,
      'the approval to be asked',
    );
    sandbox.faults.inject({ service: 'SFN', command: 'SendTaskSuccess', mode: 'throw' });
    actAs(ALICE);
    await expect(decide(approvalId)).rejects.toMatchObject({ code: 'INTERNAL' });
    const execution = await run;
    expect(execution.output).toEqual({ requestId, outcome: 'FULFILLED' });
    expect(granted).toContain(requestId);
    expect((await getApproval(approvalId)).status).toBe('APPROVED');
  });
});

function runCli(...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/cachegate', ...args],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe('cachegate approve (command line)', () => {
  it('takes the approver from --as locally and from AWS with --aws, never both', async () => {
    const both = await runCli('approve', 'AP-AAAAAAAAAA', '--aws', '--as', 'U0ALICE');
    expect(both).toMatchObject({ code: 2 });
    expect(both.stderr).toContain('--as: cannot be used with --aws');
    const neither = await runCli('reject', 'AP-AAAAAAAAAA');
    expect(neither).toMatchObject({ code: 2 });
    expect(neither.stderr).toContain('--as: is required (or use --aws)');
    const noApi = await runCli('approve', 'AP-AAAAAAAAAA', '--aws');
    expect(noApi).toMatchObject({ code: 2 });
    expect(noApi.stderr).toContain('--api-url: is required with --aws');
  });
});
