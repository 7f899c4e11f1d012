import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { createAwsClient } from '../../functions/aws/clients.js';
import { stateMachineEnvVar } from '../../functions/core/api/workflow-arns.js';
import { handler } from '../../functions/start-scheduled-workflow/handler.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { StepFunctionsModel } from '../../local/sandbox/models/step-functions.js';
import { stateMachineArn } from '../../local/workflows.js';

let sandbox: Sandbox;
let arn: string;
const runs: unknown[] = [];
let release!: () => void;
const firstRunMayEnd = new Promise<void>((resolve) => (release = resolve));
const envVar = stateMachineEnvVar('rotate-all');
/** What the rotate-all schedule sends (events/ documents each entry point). */
const sample = JSON.parse(
  readFileSync(new URL('../../events/start-scheduled-workflow.json', import.meta.url), 'utf8'),
) as { workflow: string; scheduledTime: string; periodMinutes: number; input: Record<string, unknown> };
const { input, periodMinutes: DAYS_30 } = sample;

type Result = { executionName: string; executionArn: string; started: boolean };
const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'start-scheduled-workflow' };
const invoke = (scheduledTime: string, periodMinutes = DAYS_30) =>
  (handler as unknown as (event: unknown, ctx: unknown) => Promise<Result>)(
    { ...sample, scheduledTime, periodMinutes },
    context,
  );

beforeAll(async () => {
  sandbox = await createSandbox({ dynamoDb: false });
  arn = stateMachineArn(sandbox, 'rotate-all');
  process.env[envVar] = arn;
  sandbox.model<StepFunctionsModel>('SFN').registerStateMachine(arn, async (received) => {
    runs.push(received);
    if (runs.length === 1) await firstRunMayEnd;
    return { status: 'SUCCEEDED', output: {} };
  });
});
afterAll(async () => {
  release();
  delete process.env[envVar];
  await sandbox.close();
});

describe('start-scheduled-workflow on the sandbox', () => {
  it('starts exactly one execution for two deliveries of the same scheduled time, running or finished', async () => {
    const first = await invoke(sample.scheduledTime);
    // 30-day periods count from the Unix epoch: this one runs 2026-11-03 to 2026-12-03.
    expect(first.executionName).toBe('scheduled-20261103T0000Z');
    // A repeated delivery while the run is still going: Step Functions returns the same execution.
    const whileRunning = await invoke('2026-11-25T00:00:00Z');
    expect(whileRunning.executionArn).toBe(first.executionArn);
    release();
    const sfn = sandbox.model<StepFunctionsModel>('SFN');
    expect((await sfn.waitForExecution(first.executionArn)).status).toBe('SUCCEEDED');
    // A delivery after the run ended (ExecutionAlreadyExists) is success too, and starts nothing.
    const afterEnd = await invoke('2026-11-25T00:00:00Z');
    expect(afterEnd).toMatchObject({ executionArn: first.executionArn, started: false });
    // So is a late delivery for another time in the same 30-day period.
    expect(await invoke('2026-12-01T06:00:00Z')).toMatchObject({ started: false });
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([input]);
    const described = await createAwsClient(SFNClient, {}).send(
      new DescribeExecutionCommand({ executionArn: first.executionArn }),
    );
    expect(described).toMatchObject({ name: 'scheduled-20261103T0000Z', status: 'SUCCEEDED' });
  });

  it('starts a new execution in the next period', async () => {
    const next = await invoke('2026-12-25T00:00:00Z');
    expect(next).toMatchObject({ executionName: 'scheduled-20261203T0000Z', started: true });
    await sandbox.model<StepFunctionsModel>('SFN').waitForExecution(next.executionArn);
    expect(runs).toHaveLength(2);
  });

  it('a workflow scheduled per resource runs once per resource and period (the key ends the execution name)', async () => {
    const perGroup = (key: string) =>
      (handler as unknown as (event: unknown, ctx: unknown) => Promise<Result>)(
        { ...sample, scheduledTime: '2027-01-10T00:00:00Z', key },
        context,
      );
    const [legacy, billing] = [await perGroup('legacy-cache'), await perGroup('billing-cache')];
    expect(legacy).toMatchObject({ executionName: 'scheduled-20270102T0000Z-legacy-cache', started: true });
    expect(billing).toMatchObject({ executionName: 'scheduled-20270102T0000Z-billing-cache', started: true });
    expect(await perGroup('legacy-cache')).toMatchObject({
      executionArn: legacy.executionArn,
      started: false,
    });
    const sfn = sandbox.model<StepFunctionsModel>('SFN');
    await Promise.all([legacy, billing].map((r) => sfn.waitForExecution(r.executionArn)));
  });

  it('starts only workflows this deployment scheduled', async () => {
    await expect(
      (handler as unknown as (event: unknown, ctx: unknown) => Promise<Result>)(
        { workflow: 'access-request', scheduledTime: '2026-11-25T00:00:00Z', periodMinutes: 1, input: {} },
        context,
      ),
    ).rejects.toThrow(/workflow: is not a scheduled workflow/);
    await expect(invoke('yesterday')).rejects.toThrow(/scheduledTime/);
    expect(runs).toHaveLength(4);
  });
});
