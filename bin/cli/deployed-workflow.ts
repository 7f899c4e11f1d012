import { randomUUID } from 'node:crypto';
import { CachegateError, ValidationError } from '../../functions/core/errors.js';
import { causeMessage, failureReason } from '../../functions/core/workflow-failure.js';

/** How a workflow run ended, as DescribeExecution (or the local runner) reports it. */
export interface WorkflowResult {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface PollOptions {
  /** Seconds between DescribeExecution calls. */
  pollSeconds: number;
  /** Where status lines go (stderr: stdout is kept for the result). */
  stream?: NodeJS.WriteStream;
  sleep?: (ms: number) => Promise<void>;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

/** The `--state-machine-arn` of every workflow command, checked before anything starts. */
export function checkStateMachineArn(arn: string, field = '--state-machine-arn'): string {
  if (!STATE_MACHINE_ARN.test(arn))
    throw new ValidationError('must be a Step Functions state machine ARN', field);
  return arn;
}

/** `--poll-seconds`: a whole number of seconds, 1-3600 (default 10). */
export function parsePollSeconds(text: string | undefined, field = '--poll-seconds'): number {
  const seconds = text === undefined ? 10 : Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new ValidationError('must be a whole number of seconds, 1-3600', field);
  }
  return seconds;
}

/**
 * Starts a deployed workflow (execution name `cli-<uuid>`) and prints its ARN on `stream`.
 * The one place the CLI starts executions in AWS.
 */
export async function startDeployedWorkflow(
  stateMachineArn: string,
  input: unknown,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  const { startExecution } = await import('../../functions/aws/step-functions.js');
  // A fresh name every time: a taken name cannot be this command's own start.
  const { outcome, executionArn } = await startExecution(
    checkStateMachineArn(stateMachineArn),
    `cli-${randomUUID()}`,
    input,
  );
  if (outcome === 'name-taken')
    throw new CachegateError(
      'EXECUTION_NAME_TAKEN',
      `an execution named like ${executionArn} already exists`,
    );
  stream.write(`started ${executionArn}\n`);
  return executionArn;
}

/**
 * Polls an execution until it ends, printing its status: redrawn in place on a terminal, a line
 * per change otherwise (logs stay short when the output is a file).
 */
export async function pollExecution(executionArn: string, options: PollOptions): Promise<WorkflowResult> {
  const { describeExecution } = await import('../../functions/aws/step-functions.js');
  const stream = options.stream ?? process.stderr;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = Date.now();
  let last = '';
  for (;;) {
    const execution = await describeExecution(executionArn);
    if (!execution)
      throw new CachegateError('EXECUTION_NOT_FOUND', `Step Functions knows no execution ${executionArn}`);
    const line = `${execution.status} (${Math.round((Date.now() - started) / 1000)} s)`;
    if (stream.isTTY) stream.write(`\r${line}`.padEnd(40));
    else if (execution.status !== last) stream.write(`${line}\n`);
    last = execution.status;
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      if (stream.isTTY) stream.write('\n');
      return execution;
    }
    await sleep(options.pollSeconds * 1000);
  }
}

/** Starts a deployed workflow and waits for it to end. */
export async function runDeployedWorkflow(
  stateMachineArn: string,
  input: unknown,
  options: PollOptions,
): Promise<WorkflowResult> {
  return pollExecution(await startDeployedWorkflow(stateMachineArn, input, options.stream), options);
}

/**
 * The CLI's one rule for a finished run: SUCCEEDED returns its output; a failed validation step
 * (`*.InvalidInput`) is bad input (exit 2); anything else is an operational failure (exit 1),
 * told as the error and the failed step's own message (functions/core/workflow-failure.ts).
 */
export function outputOf(workflow: string, result: WorkflowResult): unknown {
  if (result.status === 'SUCCEEDED') return result.output;
  if (result.error?.endsWith('.InvalidInput'))
    throw new ValidationError(causeMessage(result.cause) || 'no cause given');
  throw new CachegateError(
    'WORKFLOW_FAILED',
    `${workflow} ${result.status.toLowerCase()}: ${failureReason(result.error, result.cause) || 'no cause given'}`,
  );
}
