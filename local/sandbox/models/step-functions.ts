import { randomUUID } from 'node:crypto';
import {
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidToken,
  StateMachineDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import type { ServiceModel } from '../sandbox.js';
import { serviceFault } from '../service-error.js';

type TaskOutcome = { ok: true; output: unknown } | { ok: false; error: string; cause: string };

/** What a registered state machine returns when run (the local runner's LocalExecution). */
export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  error?: string;
  cause?: string;
}

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  startDate: Date;
  stopDate?: Date;
  result?: ExecutionResult;
  done: Promise<ExecutionResult>;
}

interface PendingTask {
  settle: (outcome: TaskOutcome) => void;
  done: boolean;
}

/**
 * The task-token side of Step Functions: `.waitForTaskToken` tasks run by the local runner park
 * here until `SendTaskSuccess` / `SendTaskFailure` arrive, from a Lambda (Slack interaction), the
 * CLI (`cachegate approve`) or a test approver, through the same SDK calls as on AWS.
 */
export class StepFunctionsModel implements ServiceModel {
  readonly serviceId = 'SFN';
  private readonly pending = new Map<string, PendingTask>();
  private readonly stateMachines = new Map<string, (input: unknown) => Promise<ExecutionResult>>();
  private readonly executions = new Map<string, Execution>();

  /** Makes `StartExecution` on `stateMachineArn` run `run` (normally a LocalStateMachine). */
  registerStateMachine(stateMachineArn: string, run: (input: unknown) => Promise<ExecutionResult>): void {
    this.stateMachines.set(stateMachineArn, run);
  }

  /** Resolves when the execution ends (tests and the demo wait on it). */
  async waitForExecution(executionArn: string): Promise<ExecutionResult> {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new Error(`no execution ${executionArn}`);
    return execution.done;
  }

  /** Issues a token and a promise that settles when someone answers it (or it is expired). */
  issueToken(): { token: string; outcome: Promise<TaskOutcome>; expire: () => void } {
    const token = `sandbox-task-token-${randomUUID()}`;
    let settle!: (outcome: TaskOutcome) => void;
    const outcome = new Promise<TaskOutcome>((resolve) => (settle = resolve));
    const task: PendingTask = { settle, done: false };
    this.pending.set(token, task);
    return { token, outcome, expire: () => (task.done = true) };
  }

  private answer(token: string, outcome: TaskOutcome): Record<string, never> {
    const task = this.pending.get(token);
    if (!task) throw serviceFault(InvalidToken, 'Invalid Token: the task token is not known');
    if (task.done)
      throw serviceFault(TaskTimedOut, 'Task Timed Out: the task is no longer waiting for this token');
    task.done = true;
    task.settle(outcome);
    return {};
  }

  readonly commands = {
    StartExecution: (input: { stateMachineArn: string; name?: string; input?: string }) => {
      const run = this.stateMachines.get(input.stateMachineArn);
      if (!run)
        throw serviceFault(
          StateMachineDoesNotExist,
          `State Machine Does Not Exist: '${input.stateMachineArn}'`,
        );
      const name = input.name ?? randomUUID();
      const executionArn = `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(executionArn);
      const body = input.input ?? '{}';
      if (existing) {
        // Same name and input while running: the same execution (AWS's idempotent start).
        if (existing.input === body && !existing.result)
          return { executionArn, startDate: existing.startDate };
        throw serviceFault(ExecutionAlreadyExists, `Execution Already Exists: '${executionArn}'`);
      }
      const execution: Execution = {
        executionArn,
        stateMachineArn: input.stateMachineArn,
        name,
        input: body,
        startDate: new Date(),
        done: Promise.resolve()
          .then(() => run(JSON.parse(body)))
          .catch((error: Error) => ({ status: 'FAILED' as const, error: error.name, cause: error.message }))
          .then((result) => {
            execution.result = result;
            execution.stopDate = new Date();
            return result;
          }),
      };
      this.executions.set(executionArn, execution);
      return { executionArn, startDate: execution.startDate };
    },
    DescribeExecution: (input: { executionArn: string }) => {
      const execution = this.executions.get(input.executionArn);
      if (!execution)
        throw serviceFault(ExecutionDoesNotExist, `Execution Does Not Exist: '${input.executionArn}'`);
      const result = execution.result;
      return {
        executionArn: execution.executionArn,
        stateMachineArn: execution.stateMachineArn,
        name: execution.name,
        status: result?.status ?? 'RUNNING',
        startDate: execution.startDate,
        stopDate: execution.stopDate,
        input: execution.input,
        ...(result?.output !== undefined ? { output: JSON.stringify(result.output) } : {}),
        ...(result?.error ? { error: result.error, cause: result.cause } : {}),
      };
    },
    SendTaskSuccess: (input: { taskToken: string; output: string }) =>
      this.answer(input.taskToken, { ok: true, output: JSON.parse(input.output) }),
    SendTaskFailure: (input: { taskToken: string; error?: string; cause?: string }) =>
      this.answer(input.taskToken, {
        ok: false,
        error: input.error ?? 'States.TaskFailed',
        cause: input.cause ?? '',
      }),
    SendTaskHeartbeat: (input: { taskToken: string }) => {
      const task = this.pending.get(input.taskToken);
      if (!task) throw serviceFault(InvalidToken, 'Invalid Token: the task token is not known');
      if (task.done)
        throw serviceFault(TaskTimedOut, 'Task Timed Out: the task is no longer waiting for this token');
      return {};
    },
  };
}
