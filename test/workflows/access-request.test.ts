import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { decideApproval } from '../../functions/use-cases/decide-approval.js';
import { getApproval, getRequest } from '../../functions/aws/access-requests-table.js';
import { withApprovalTimeout } from '../../workflows/approval-timeout.js';
import { readAsl } from '../../workflows/asl-files.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { createTables } from '../../local/sandbox/tables.js';
import {
  LocalStateMachine,
  type Approver,
  type LocalExecution,
} from '../../local/runner/local-state-machine.js';
import { approvalIdFor } from '../../functions/core/access-request.js';

const ONBOARD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-onboard-user';
const CERT_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-issue-certificate';
const APPROVERS = ['alice'];

let sandbox: Sandbox;
const childRuns: unknown[] = [];

beforeAll(async () => {
  // The deployed configuration start-fulfilment re-checks the recorded decision against.
  process.env.APPROVERS = APPROVERS.join(',');
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  // The granting workflows are tested on their own; here a child that takes 40 simulated
  // seconds makes the parent go through its Wait/poll loop.
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  for (const arn of [ONBOARD_ARN, CERT_ARN]) {
    sfn.registerStateMachine(arn, async (input) => {
      childRuns.push(input);
      await new Promise((resolve) => setTimeout(resolve, sandbox.clock.realMsFor(40_000)));
      return { status: 'SUCCEEDED', output: { ok: true } };
    });
  }
});
afterAll(async () => sandbox.close());

function machine(approver: Approver, speedSandbox = sandbox): LocalStateMachine {
  return LocalStateMachine.load('access-request', {
    sandbox: speedSandbox,
    approver,
    substitutions: { OnboardUserStateMachineArn: ONBOARD_ARN, IssueCertificateStateMachineArn: CERT_ARN },
  });
}

function requestInput(requester = 'bob') {
  return {
    request: {
      requestId: `req-${randomUUID()}`,
      requester,
      justification: 'need read access to the orders cache for incident 4711',
      kind: {
        type: 'cache-user',
        userId: 'orders-reader',
        userName: 'orders-reader',
        accessString: 'on ~orders:* +@read',
        userGroupIds: ['orders-group'],
      },
    },
  };
}

const stateNames = (run: LocalExecution, type: string) =>
  run.events
    .filter((e) => (e as { type: string }).type === type)
    .map((e) => (e as { state: { name: string } }).state.name);

const decideAs =
  (approver: string, decision: 'APPROVED' | 'REJECTED'): Approver =>
  async ({ token }) => {
    // Approvers act later, from outside the workflow, knowing only the approval ID.
    setTimeout(() => {
      void decideApproval({
        approvalId: approvalIdFor(token),
        approver,
        decision,
        allowedApprovers: APPROVERS,
      });
    }, 5);
  };

describe('access-request workflow (real ASL on the local runner)', () => {
  it('approved: starts the granting workflow, waits for it, and closes the request as fulfilled', async () => {
    const tokens: string[] = [];
    const input = requestInput();
    const run = await machine(async (req) => {
      tokens.push(req.token);
      await decideAs('alice', 'APPROVED')(req);
    }).run(input);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ requestId: input.request.requestId, outcome: 'FULFILLED' });
    expect(stateNames(run, 'StateEntered')).toEqual(
      expect.arrayContaining([
        'RecordRequest',
        'RequestApproval',
        'StartFulfilment',
        'WaitForFulfilment',
        'CheckFulfilment',
        'MarkFulfilled',
      ]),
    );
    expect(childRuns).toContainEqual(
      expect.objectContaining({ requestId: input.request.requestId, type: 'cache-user' }),
    );
    const stored = await getRequest(input.request.requestId);
    expect(stored).toMatchObject({ status: 'FULFILLED', decidedBy: 'alice' });
    // The task token never enters the execution history; only the approval ID is shown around.
    expect(JSON.stringify(run.events)).not.toContain(tokens[0]);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter(
        (e) => e.detail && (e.detail as { requestId?: string }).requestId === input.request.requestId,
      );
    expect(audit.map((e) => e.detailType)).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalDecided',
      'AccessRequestClosed',
    ]);
    expect(JSON.stringify(audit)).not.toContain(tokens[0]);
  });

  it('rejected: the Catch routes to MarkRejected and nothing is granted', async () => {
    const before = childRuns.length;
    const input = requestInput();
    const run = await machine(decideAs('alice', 'REJECTED')).run(input);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ requestId: input.request.requestId, outcome: 'REJECTED' });
    expect(stateNames(run, 'StateCaught')).toEqual(['RequestApproval']);
    expect(childRuns.length).toBe(before);
  });

  it('refuses self-approval and approvers outside the group, and applies a decision only once', async () => {
    const input = requestInput('alice');
    const outcomes: string[] = [];
    const run = await machine(async ({ token }) => {
      const approvalId = approvalIdFor(token);
      const attempt = (approver: string, decision: 'APPROVED' | 'REJECTED', allowed = ['alice', 'carol']) =>
        decideApproval({ approvalId, approver, decision, allowedApprovers: allowed }).then(
          () => outcomes.push(`${approver}:ok`),
          (e: Error) => outcomes.push(`${approver}:${e.name}`),
        );
      await attempt('alice', 'APPROVED');
      await attempt('mallory', 'APPROVED');
      await attempt('carol', 'REJECTED');
      await attempt('carol', 'APPROVED');
    }).run(input);
    expect(outcomes).toEqual([
      'alice:SelfApprovalError',
      'mallory:ApproverNotAllowedError',
      'carol:ok',
      'carol:AlreadyDecidedError',
    ]);
    expect(run.output).toEqual({ requestId: input.request.requestId, outcome: 'REJECTED' });
  });

  it('timeout: no decision in time means rejected', async () => {
    // 100,000 simulated seconds per real second: the 24 h approval timeout passes in under a second.
    const fast = await createSandbox({ speed: 100_000, dynamoDb: true });
    try {
      await createTables();
      const input = requestInput();
      const run = await machine(() => undefined, fast).run(input);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({ requestId: input.request.requestId, outcome: 'REJECTED' });
      expect(stateNames(run, 'StateCaught')).toEqual(['RequestApproval']);
      const caught = run.events.find((e) => (e as { type: string }).type === 'StateFailed') as {
        Error: string;
      };
      expect(caught.Error).toBe('States.Timeout');
    } finally {
      await fast.close();
      sandbox.install();
    }
  });

  it('a configured approval window (withApprovalTimeout, as CDK applies it) ends the wait at its end', async () => {
    // At 1000 simulated seconds per real second, 600 s pass in 0.6 s; the file's 24 h would take 86 s.
    const fast = await createSandbox({ speed: 1000, dynamoDb: true });
    try {
      await createTables();
      const input = requestInput();
      const started = Date.now();
      const run = await LocalStateMachine.load('access-request', {
        sandbox: fast,
        approver: () => undefined,
        substitutions: { OnboardUserStateMachineArn: ONBOARD_ARN, IssueCertificateStateMachineArn: CERT_ARN },
        transform: (asl) => withApprovalTimeout(asl, 600),
      }).run(input);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toEqual({ requestId: input.request.requestId, outcome: 'REJECTED' });
      expect(Date.now() - started).toBeLessThan(20_000);
      // The approval it asked for ended with the window.
      const approval = await getApproval((await getRequest(input.request.requestId)).approvalId ?? '');
      expect(approval.status).toBe('EXPIRED');
    } finally {
      await fast.close();
      sandbox.install();
    }
  });

  it('refuses an approval window out of bounds, and a definition that lost the fields it sets', () => {
    const asl = readAsl('access-request');
    expect(() => withApprovalTimeout(asl, 60)).toThrow(/approvals\.timeoutSeconds: must be a whole number/);
    expect(() => withApprovalTimeout(asl, 30 * 86_400)).toThrow(/approvals\.timeoutSeconds/);
    expect(() => withApprovalTimeout(readAsl('onboard-user'), 3600)).toThrow(
      /RequestApproval has no numeric/,
    );
    const patched = JSON.parse(withApprovalTimeout(asl, 3600)) as {
      States: {
        RequestApproval: { TimeoutSeconds: number; Parameters: { Payload: { timeoutSeconds: number } } };
      };
    };
    expect(patched.States.RequestApproval.TimeoutSeconds).toBe(3600);
    expect(patched.States.RequestApproval.Parameters.Payload.timeoutSeconds).toBe(3600);
  });

  it('retries a step whose service call throws, then carries on', async () => {
    sandbox.faults.inject({ service: 'DynamoDB', command: 'PutItem', mode: 'throw' });
    const input = requestInput();
    const run = await machine(decideAs('alice', 'REJECTED')).run(input);
    expect(run.status).toBe('SUCCEEDED');
    const retried = run.events.filter((e) => (e as { type: string }).type === 'StateRetried') as {
      state: { name: string };
    }[];
    expect(retried.map((e) => e.state.name)).toEqual(['RecordRequest']);
    expect((await getRequest(input.request.requestId)).status).toBe('REJECTED');
  });

  it('a Lambda crash is retried like on AWS (Lambda.Unknown)', async () => {
    sandbox.faults.inject({ service: 'DynamoDB', command: 'GetItem', mode: 'crash' });
    const run = await machine(decideAs('alice', 'REJECTED')).run(requestInput());
    expect(run.status).toBe('SUCCEEDED');
    const failed = run.events.filter((e) => (e as { type: string }).type === 'StateFailed') as {
      Error: string;
    }[];
    expect(failed.map((e) => e.Error)).toContain('Lambda.Unknown');
  });

  it('an invalid request fails the execution with a clear error and records nothing', async () => {
    const input = requestInput();
    input.request.justification = 'short';
    const run = await machine(() => undefined).run(input);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AccessRequest.Invalid');
    await expect(getRequest(input.request.requestId)).rejects.toThrow(/does not exist/);
  });
});
