import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createAwsClient } from './clients.js';

let sfnClient: SFNClient | undefined;
const sfn = () => (sfnClient ??= createAwsClient(SFNClient, {}));

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/**
 * Starts an execution named `name`. Step Functions treats a repeated start with the same name
 * and input as the same execution, which makes this call safe to retry.
 */
export async function startExecution(stateMachineArn: string, name: string, input: unknown): Promise<string> {
  try {
    const { executionArn } = await sfn().send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return executionArn as string;
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) {
      throw new ExecutionAlreadyExists({
        message: `an execution named ${name} already exists with a different input`,
        $metadata: error.$metadata,
      });
    }
    throw error;
  }
}

export async function describeExecution(
  executionArn: string,
): Promise<{ status: ExecutionStatus; output?: unknown; error?: string; cause?: string }> {
  const result = await sfn().send(new DescribeExecutionCommand({ executionArn }));
  return {
    status: result.status as ExecutionStatus,
    output: result.output ? JSON.parse(result.output) : undefined,
    error: result.error,
    cause: result.cause,
  };
}

export async function sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
  await sfn().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
}

export async function sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
  await sfn().send(new SendTaskFailureCommand({ taskToken, error, cause }));
}
