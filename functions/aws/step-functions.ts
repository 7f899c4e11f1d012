import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { executionArnFor } from '../core/api/workflow-arns.js';
import { createAwsClient } from './clients.js';

let sfnClient: SFNClient | undefined;
const sfn = () => (sfnClient ??= createAwsClient(SFNClient, {}));

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/**
 * What a start did. `started`: a new execution, or the one already running with this name and
 * input (Step Functions answers a repeated start with the running execution). `name-taken`: an
 * execution of that name exists with another input, or has ended (`ExecutionAlreadyExists`);
 * its ARN follows from the name, and the caller decides whether that is its own earlier start.
 */
export type StartOutcome = { outcome: 'started' | 'name-taken'; executionArn: string };

/** Starts an execution named `name`: safe to retry, since the name makes a repeat the same start. */
export async function startExecution(
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<StartOutcome> {
  try {
    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return { outcome: 'started', executionArn: executionArn as string };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists)
      return { outcome: 'name-taken', executionArn: executionArnFor(stateMachineArn, name) };
    throw error;
  }
}

export interface ExecutionDescription {
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  cause?: string;
}

/** The execution's state, or undefined when Step Functions knows no such execution. */
export async function describeExecution(executionArn: string): Promise<ExecutionDescription | undefined> {
  try {
    const result = await sfn().send(new DescribeExecutionCommand({ executionArn }));
    return {
      status: result.status as ExecutionStatus,
      output: result.output ? JSON.parse(result.output) : undefined,
      error: result.error,
      cause: result.cause,
    };
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}

/**
 * `answered`, or `task-gone` when no task waits on the token any more: it was answered before
 * (a lost reply), its window ended, or its execution ended (TaskTimedOut, InvalidToken,
 * TaskDoesNotExist).
 */
export type TaskAnswer = 'answered' | 'task-gone';

async function answerTask(command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<TaskAnswer> {
  try {
    await sfn().send(command as SendTaskSuccessCommand);
    return 'answered';
  } catch (error) {
    if (error instanceof TaskTimedOut || error instanceof InvalidToken || error instanceof TaskDoesNotExist)
      return 'task-gone';
    throw error;
  }
}

export function sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskAnswer> {
  return answerTask(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
}

export function sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskAnswer> {
  return answerTask(new SendTaskFailureCommand({ taskToken, error, cause }));
}
