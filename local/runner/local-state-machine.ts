import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { createAwsClient } from '../../functions/aws/clients.js';
import { LambdaCrashSignal, lambdaInvocation } from '../sandbox/faults.js';
import type { StepFunctionsModel } from '../sandbox/models/step-functions.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { readAsl } from '../../workflows/asl-files.js';
import { loadDefinition } from './load-definition.js';
import { functionNameOf, placeholdersOf } from '../../workflows/placeholders.js';
import './promise-with-resolvers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaHandler = (event: any, context: any) => Promise<unknown>;

/** Asked to answer each `.waitForTaskToken` task; answers through SFN SendTaskSuccess/Failure. */
export type Approver = (request: {
  token: string;
  stateName: string;
  payload: unknown;
  sfn: SFNClient;
}) => void | Promise<void>;

export interface RunnerOptions {
  sandbox: Sandbox;
  /** Values for non-Lambda placeholders. `${XxxFunctionArn}` placeholders are filled automatically. */
  substitutions?: Record<string, string>;
  /** Applied to the definition's text before it is loaded, as AslWorkflow applies it in CDK. */
  transform?: (aslText: string) => string;
  approver?: Approver;
  /** The Lambda timeout the functions get in CDK (simulated seconds). Default 60. */
  lambdaTimeoutSeconds?: number;
  /** Called with each execution event as it happens (live progress in the CLI and demo). */
  onEvent?: (event: { type: string; state?: { name: string } }, executionArn: string) => void;
  /** Replace a function's handler by function name (e.g. `create-user`), for tests. */
  handlers?: Record<string, LambdaHandler>;
}

export interface LocalExecution {
  executionArn: string;
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  output?: unknown;
  error?: string;
  cause?: string;
  /** Every event of the execution: each state's input and output, retries, catches. */
  events: unknown[];
}

const CONTEXT_TOKEN = 'local-runner-context-task-token';

class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Runs a real `statemachines/*.asl.json` with aws-local-stepfunctions against the sandbox:
 * Lambda tasks call the real handlers in-process; Wait states and retry intervals run at the
 * sandbox clock's speed; task tokens are issued by the sandbox's Step Functions model.
 */
export class LocalStateMachine {
  private constructor(
    readonly name: string,
    private readonly definition: Record<string, unknown>,
    private readonly machine: StateMachine,
    private readonly options: RunnerOptions,
  ) {}

  static load(name: string, options: RunnerOptions): LocalStateMachine {
    if (options.sandbox.clock.speed <= 0) {
      throw new Error(
        'the local runner needs a sandbox clock with speed > 0 (simulated seconds per real second)',
      );
    }
    const { region, accountId } = options.sandbox;
    const substitutions: Record<string, string> = { ...options.substitutions };
    for (const placeholder of placeholdersOf(readAsl(name))) {
      const fn = functionNameOf(placeholder);
      if (fn && substitutions[placeholder] === undefined) {
        substitutions[placeholder] = `arn:aws:lambda:${region}:${accountId}:function:cachegate-${fn}`;
      }
    }
    const definition = loadDefinition(name, substitutions, options.transform);
    // asl-validator already ran on the real definition; the library runs a copy whose retry
    // timings are scaled to the clock (fractional seconds), so it skips its own validation.
    const machine = new StateMachine(
      scaleRetryTimings(definition, options.sandbox.clock.speed) as unknown as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    return new LocalStateMachine(name, definition, machine, options);
  }

  async run(input: unknown): Promise<LocalExecution> {
    const executionArn = `arn:aws:states:${this.options.sandbox.region}:${this.options.sandbox.accountId}:execution:${this.name}:${randomUUID()}`;
    const overrides = this.buildOverrides();
    const execution = this.machine.run(input as never, {
      overrides: overrides as never,
      context: {
        Execution: {
          Id: executionArn,
          Name: executionArn.split(':').pop(),
          StartTime: this.options.sandbox.clock.now().toISOString(),
        },
        Task: { Token: CONTEXT_TOKEN },
      },
    });
    const events: unknown[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        events.push(event);
        this.options.onEvent?.(event, executionArn);
      }
    })();
    try {
      const output = await execution.result;
      await collecting;
      return { executionArn, status: 'SUCCEEDED', output, events };
    } catch (error) {
      await collecting;
      if (error instanceof ExecutionTimeoutError) return { executionArn, status: 'TIMED_OUT', events };
      if (!(error instanceof ExecutionError)) throw error;
      const failed = events.find((e) => (e as { type: string }).type === 'ExecutionFailed') as
        { Error: string; Cause: unknown } | undefined;
      return {
        executionArn,
        status: 'FAILED',
        error: failed?.Error,
        cause: typeof failed?.Cause === 'string' ? failed.Cause : JSON.stringify(failed?.Cause),
        events,
      };
    }
  }

  private buildOverrides() {
    const clock = this.options.sandbox.clock;
    const taskResourceLocalHandlers: Record<string, (input: never) => Promise<never>> = {};
    const waitTimeOverrides: Record<string, number> = {};
    forEachState(this.definition, (name, state) => {
      if (state.Type === 'Wait') waitTimeOverrides[name] = clock.realMsFor(Number(state.Seconds) * 1000);
      if (state.Type === 'Task') {
        const waitsForToken = String(state.Resource).endsWith('.waitForTaskToken');
        const timeoutSeconds = Number(state.TimeoutSeconds ?? 99_999_999);
        taskResourceLocalHandlers[name] = ((parameters: { FunctionName: string; Payload?: unknown }) =>
          waitsForToken
            ? this.invokeWaitingForToken(name, parameters, timeoutSeconds)
            : this.invokeLambda(parameters.FunctionName, parameters.Payload)) as never;
      }
    });
    return { taskResourceLocalHandlers, waitTimeOverrides };
  }

  /** Invokes a handler as Lambda would: JSON in and out, a context, the function's timeout. */
  private async invokeLambda(functionName: string, payload: unknown): Promise<unknown> {
    const name =
      functionName
        .split(':')
        .pop()
        ?.replace(/^cachegate-/, '') ?? functionName;
    const handler = this.options.handlers?.[name] ?? (await importHandler(name));
    const timeoutSeconds = this.options.lambdaTimeoutSeconds ?? 60;
    const clock = this.options.sandbox.clock;
    // The timeout is simulated time, but a handler's own work (crypto, DynamoDB calls) takes real
    // milliseconds that a fast clock would count a thousandfold: on a loaded machine a healthy
    // call would time out. So real work gets a real-time allowance, and the scaled timeout (at
    // least a second) applies once the invocation waits on an injected hang.
    const scaledMs = Math.max(1000, clock.realMsFor(timeoutSeconds * 1000));
    const startedAt = performance.now();
    let deadline = startedAt + Math.max(REAL_WORK_ALLOWANCE_MS, scaledMs);
    const context = {
      functionName: `cachegate-${name}`,
      functionVersion: '$LATEST',
      invokedFunctionArn: functionName,
      memoryLimitInMB: '256',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/cachegate-${name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())),
    };
    let timer: NodeJS.Timeout | undefined;
    let timeOut: () => void = () => undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timeOut = () =>
        reject(new StatesError('Sandbox.Timedout', `Task timed out after ${timeoutSeconds}.00 seconds`));
      timer = setTimeout(timeOut, deadline - startedAt);
    });
    const hung = () => {
      deadline = Math.min(deadline, startedAt + scaledMs);
      clearTimeout(timer);
      timer = setTimeout(timeOut, Math.max(0, deadline - performance.now()));
    };
    try {
      const result = await Promise.race([
        lambdaInvocation.run({ hung }, () => handler(JSON.parse(JSON.stringify(payload ?? {})), context)),
        timedOut,
      ]);
      return {
        StatusCode: 200,
        ExecutedVersion: '$LATEST',
        Payload: result === undefined ? null : JSON.parse(JSON.stringify(result)),
      };
    } catch (error) {
      if (error instanceof StatesError) throw error;
      if (error instanceof LambdaCrashSignal) {
        throw new StatesError(
          'Lambda.Unknown',
          'The cause could not be determined because Lambda did not return an error type. Returned payload: {"errorType":"Runtime.ExitError"}',
        );
      }
      const { name: errorType, message } = error as Error;
      throw new StatesError(errorType, JSON.stringify({ errorType, errorMessage: message }));
    } finally {
      clearTimeout(timer);
    }
  }

  private async invokeWaitingForToken(
    stateName: string,
    parameters: { FunctionName: string; Payload?: unknown },
    timeoutSeconds: number,
  ): Promise<unknown> {
    const sfnModel = this.options.sandbox.model<StepFunctionsModel>('SFN');
    const { token, outcome, expire } = sfnModel.issueToken();
    const payload = replaceDeep(parameters.Payload, CONTEXT_TOKEN, token);
    await this.invokeLambda(parameters.FunctionName, payload);
    const sfn = createAwsClient(SFNClient, {});
    await this.options.approver?.({ token, stateName, payload, sfn });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(
        () => resolve('timeout'),
        this.options.sandbox.clock.realMsFor(timeoutSeconds * 1000),
      );
    });
    const answer = await Promise.race([outcome, timedOut]);
    clearTimeout(timer);
    if (answer === 'timeout') {
      expire();
      throw new StatesError(
        'States.Timeout',
        `no answer for the task token within ${timeoutSeconds} seconds`,
      );
    }
    if (!answer.ok) throw new StatesError(answer.error, answer.cause);
    return answer.output;
  }
}

/** Real time a handler's own work may take before the sandbox calls it timed out. */
const REAL_WORK_ALLOWANCE_MS = 30_000;

async function importHandler(name: string): Promise<LambdaHandler> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`not a cachegate function name: ${name}`);
  const module = (await import(`../../functions/${name}/handler.js`)) as { handler?: LambdaHandler };
  if (typeof module.handler !== 'function') throw new Error(`functions/${name}/handler exports no handler`);
  return module.handler;
}

/**
 * A copy of the definition whose retriers wait `IntervalSeconds` and `MaxDelaySeconds` divided
 * by the clock speed: the library then applies AWS's own backoff (BackoffRate, jitter, cap) in
 * simulated time.
 */
function scaleRetryTimings(definition: Record<string, unknown>, speed: number): Record<string, unknown> {
  // A JSON round trip, not structuredClone: under Jest's VM context structuredClone returns
  // objects of another realm, which the library's plain-object check does not recognise.
  const scaled = JSON.parse(JSON.stringify(definition)) as Record<string, unknown>;
  forEachState(scaled, (_name, state) => {
    for (const retrier of (state.Retry as Record<string, number>[] | undefined) ?? []) {
      retrier.IntervalSeconds = (retrier.IntervalSeconds ?? 1) / speed;
      if (retrier.MaxDelaySeconds !== undefined) retrier.MaxDelaySeconds /= speed;
    }
  });
  return scaled;
}

function forEachState(
  machine: Record<string, unknown>,
  visit: (name: string, state: Record<string, unknown>) => void,
): void {
  const states = machine.States as Record<string, Record<string, unknown>>;
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    if (state.ItemProcessor) forEachState(state.ItemProcessor as Record<string, unknown>, visit);
    for (const branch of (state.Branches as Record<string, unknown>[] | undefined) ?? [])
      forEachState(branch, visit);
  }
}

function replaceDeep(value: unknown, from: string, to: string): unknown {
  if (value === from) return to;
  if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
  }
  return value;
}
