import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { getApproval, getRequest } from '../../functions/aws/access-requests-table.js';
import { ACCESS_REQUESTS_TABLE } from '../../functions/aws/table-definitions.js';
import { approvalIdFor } from '../../functions/core/access-request.js';
import { decideWithAws } from '../../bin/cli/approval-aws.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import type { StsModel } from '../../local/sandbox/models/sts.js';
import { createTables } from '../../local/sandbox/tables.js';
import { LocalStateMachine, type LocalExecution } from '../../local/runner/local-state-machine.js';

const ONBOARD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-onboard-user';
const CERT_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-issue-certificate';
const BOB = 'arn:aws:iam::000000000000:user/bob';
const ALICE_SESSION = 'arn:aws:sts::000000000000:assumed-role/AWSReservedSSO_Approver_0a1b2c/alice';
const CAROL = 'arn:aws:iam::000000000000:user/carol';
const APPROVERS = `U0ALICE|${ALICE_SESSION},${CAROL}`;
const TABLE = ACCESS_REQUESTS_TABLE.localName;

let sandbox: Sandbox;
let machine: LocalStateMachine;
const savedEnv = { ...process.env };

beforeAll(async () => {
  sandbox = await createSandbox({ speed: 1000 });
  await createTables();
  const sfn = sandbox.model<StepFunctionsModel>('SFN');
  for (const arn of [ONBOARD_ARN, CERT_ARN])
    sfn.registerStateMachine(arn, async () => ({ status: 'SUCCEEDED', output: {} }));
  machine = LocalStateMachine.load('access-request', {
    sandbox,
    // The approver acts from outside, later, knowing only the approval ID.
    approver: ({ token }) => approvalIds.get(pendingRequestId!)?.(approvalIdFor(token)),
    substitutions: { OnboardUserStateMachineArn: ONBOARD_ARN, IssueCertificateStateMachineArn: CERT_ARN },
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await sandbox.close();
});

const approvalIds = new Map<string, (approvalId: string) => void>();
let pendingRequestId: string | undefined;

/** Starts an access request by `requester` and resolves with its approval ID once it waits. */
function startRequest(requester: string): {
  run: Promise<LocalExecution>;
  approvalId: Promise<string>;
  requestId: string;
} {
  const requestId = `req-${randomUUID()}`;
  pendingRequestId = requestId;
  const approvalId = new Promise<string>((resolve) => approvalIds.set(requestId, resolve));
  const run = machine.run({
    request: {
      requestId,
      requester,
      justification: 'read access to the orders cache for incident 4711',
      kind: { type: 'vpn-certificate', commonName: 'bob.example' },
    },
  });
  return { run, approvalId, requestId };
}

const actAs = (arn: string) => (sandbox.model<StsModel>('STS').callerArn = arn);
const stsCalls = () => sandbox.faults.calls('STS', 'GetCallerIdentity');

describe('cachegate approve|reject --aws (on the sandbox)', () => {
  it('approves as the AWS caller: an assumed-role session listed in the approvers', async () => {
    const { run, approvalId, requestId } = startRequest(BOB);
    actAs(ALICE_SESSION);
    const result = await decideWithAws({
      approvalId: await approvalId,
      decision: 'APPROVED',
      table: TABLE,
      approvers: APPROVERS,
    });
    expect(result).toMatchObject({ requestId, decision: 'APPROVED', approver: ALICE_SESSION });
    const execution = await run;
    expect(execution.status).toBe('SUCCEEDED');
    expect(await getRequest(requestId)).toMatchObject({ status: 'FULFILLED', decidedBy: ALICE_SESSION });
    const decided = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.find(
        (e) =>
          e.detailType === 'ApprovalDecided' && (e.detail as { requestId?: string }).requestId === requestId,
      );
    expect(decided?.detail).toMatchObject({ actor: ALICE_SESSION });
  });

  it('normalises an assumed-role ARN with a role path to the role session', async () => {
    const { run, approvalId, requestId } = startRequest(BOB);
    // An `iam`-style assumed-role ARN with a path names the same session as the STS form.
    actAs(
      'arn:aws:iam::000000000000:assumed-role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Approver_0a1b2c/alice',
    );
    process.env.APPROVERS = APPROVERS;
    const result = await decideWithAws({ approvalId: await approvalId, decision: 'REJECTED', table: TABLE });
    expect(result.approver).toBe(ALICE_SESSION);
    expect((await run).output).toEqual({ requestId, outcome: 'REJECTED' });
    expect((await getRequest(requestId)).status).toBe('REJECTED');
  });

  it('refuses self-approval, an approver outside the list and the root user, deciding nothing', async () => {
    const { run, approvalId: pending, requestId } = startRequest(CAROL);
    const approvalId = await pending;
    actAs(CAROL);
    await expect(
      decideWithAws({ approvalId, decision: 'APPROVED', table: TABLE, approvers: APPROVERS }),
    ).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
    actAs('arn:aws:iam::000000000000:user/mallory');
    await expect(
      decideWithAws({ approvalId, decision: 'APPROVED', table: TABLE, approvers: APPROVERS }),
    ).rejects.toMatchObject({ code: 'APPROVER_NOT_ALLOWED' });
    actAs('arn:aws:iam::000000000000:root');
    await expect(
      decideWithAws({ approvalId, decision: 'APPROVED', table: TABLE, approvers: APPROVERS }),
    ).rejects.toThrow(/caller identity: must be an IAM user/);
    expect((await getApproval(approvalId)).status).toBe('PENDING');
    // A legitimate approver can still decide; a second decision is refused.
    actAs(ALICE_SESSION);
    await decideWithAws({ approvalId, decision: 'REJECTED', table: TABLE, approvers: APPROVERS });
    await expect(
      decideWithAws({ approvalId, decision: 'APPROVED', table: TABLE, approvers: APPROVERS }),
    ).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    expect((await run).output).toEqual({ requestId, outcome: 'REJECTED' });
  });

  it('checks its arguments before calling AWS', async () => {
    const before = stsCalls();
    delete process.env.APPROVERS;
    await expect(
      decideWithAws({ approvalId: 'AP-AAAAAAAAAA', decision: 'APPROVED', table: TABLE }),
    ).rejects.toThrow(/--approvers: must name at least one approver/);
    delete process.env[ACCESS_REQUESTS_TABLE.envVar];
    await expect(
      decideWithAws({ approvalId: 'AP-AAAAAAAAAA', decision: 'APPROVED', approvers: APPROVERS }),
    ).rejects.toThrow(/--table: is required with --aws/);
    await expect(
      decideWithAws({ approvalId: 'token', decision: 'APPROVED', table: TABLE, approvers: APPROVERS }),
    ).rejects.toThrow(/approval-id/);
    expect(stsCalls()).toBe(before);
  });
});

describe('cachegate approve (command line)', () => {
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['bin/cachegate', ...args],
        { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });

  it('takes the approver from --as locally and from AWS with --aws, never both', async () => {
    const both = await cli('approve', 'AP-AAAAAAAAAA', '--aws', '--as', 'U0ALICE');
    expect(both).toMatchObject({ code: 2 });
    expect(both.stderr).toContain('--as: cannot be used with --aws');
    const neither = await cli('reject', 'AP-AAAAAAAAAA');
    expect(neither).toMatchObject({ code: 2 });
    expect(neither.stderr).toContain('--as: is required (or use --aws)');
  });
});
