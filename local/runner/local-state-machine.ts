import { randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
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
  /**
   * One per Distributed Map state run (nested ones included, recorded on the top execution): its
   * child executions, as Step Functions keeps them.
   */
  mapRuns: LocalMapRun[];
}

/** A Distributed Map state's run: each item ran as a child execution of the ItemProcessor. */
export interface LocalMapRun {
  stateName: string;
  maxConcurrency: number;
  /** The most child executions that were running at once. */
  peakConcurrency: number;
  /** In item order. */
  executions: ChildExecution[];
}

/** ABORTED: the child was stopped because another child of its map run failed. */
export type ChildExecution = Omit<LocalExecution, 'status' | 'mapRuns'> & {
  status: LocalExecution['status'] | 'ABORTED';
};

const CONTEXT_TOKEN = 'local-runner-context-task-token';
/** What a Distributed Map state becomes in the copy the library runs: a Task the runner answers. */
const MAP_RUN_RESOURCE = 'arn:aws:states:::cachegate-local:map-run';

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
    private readonly processors: ReadonlyMap<string, MapProcessor>,
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
    const { machine, processors } = withMapRunTasks(
      scaleRetryTimings(definition, options.sandbox.clock.speed),
    );
    return new LocalStateMachine(
      name,
      definition,
      new StateMachine(machine as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      }),
      processors,
      options,
    );
  }

  async run(input: unknown): Promise<LocalExecution> {
    const executionArn = `arn:aws:states:${this.options.sandbox.region}:${this.options.sandbox.accountId}:execution:${this.name}:${randomUUID()}`;
    const mapRuns: LocalMapRun[] = [];
    const execution = await this.execute(this.machine, input, executionArn, this.buildOverrides(mapRuns));
    // Only a child of a map run is ever aborted (runMap stops the others when one fails).
    if (execution.status === 'ABORTED') throw new Error(`${executionArn} was aborted`);
    return { ...execution, status: execution.status, mapRuns };
  }

  /** Runs one execution (the workflow, or a Distributed Map child) to its end. */
  private async execute(
    machine: StateMachine,
    input: unknown,
    executionArn: string,
    overrides: ReturnType<LocalStateMachine['buildOverrides']>,
    started?: (abort: () => void) => void,
  ): Promise<ChildExecution> {
    const execution = machine.run(input as never, {
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
    started?.(execution.abort);
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
      if (error instanceof ExecutionAbortedError) return { executionArn, status: 'ABORTED', events };
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

  /**
   * A Distributed Map state: each item (after ItemSelector) runs the ItemProcessor as its own
   * child execution — its own `$$.Execution` — at most `maxConcurrency` at once (0 = no limit
   * but the service's 10,000). Like Step Functions with no tolerated failures, the first child
   * that fails stops the others and fails the state with States.ExceedToleratedFailureThreshold;
   * otherwise the output is the children's outputs in item order.
   */
  private async runMap(
    stateName: string,
    request: { items: unknown[]; input: unknown; context: Record<string, unknown>; maxConcurrency?: number },
    overrides: ReturnType<LocalStateMachine['buildOverrides']>,
    mapRuns: LocalMapRun[],
  ): Promise<unknown[]> {
    const processor = this.processors.get(stateName);
    if (!processor) throw new Error(`no ItemProcessor for Distributed Map state ${stateName}`);
    if (!Array.isArray(request.items))
      throw new StatesError('States.Runtime', `${stateName}: ItemsPath does not point to an array`);
    const maxConcurrency = request.maxConcurrency ?? processor.maxConcurrency ?? 0;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 0)
      throw new StatesError('States.Runtime', `${stateName}: MaxConcurrency must be an integer >= 0`);
    const limit = maxConcurrency === 0 ? DISTRIBUTED_MAP_MAX_CONCURRENCY : maxConcurrency;
    const childMachine = new StateMachine(processor.machine as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    const run: LocalMapRun = { stateName, maxConcurrency, peakConcurrency: 0, executions: [] };
    mapRuns.push(run);
    const aborts = new Set<() => void>();
    let failure: ChildExecution | undefined;
    let next = 0;
    let running = 0;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < request.items.length) {
        const index = next++;
        const childInput = processor.itemSelector
          ? await selectItem(
              processor.itemSelector,
              request.input,
              request.context,
              index,
              request.items[index],
            )
          : request.items[index];
        const childArn = `arn:aws:states:${this.options.sandbox.region}:${this.options.sandbox.accountId}:execution:${this.name}/${stateName}:${randomUUID()}`;
        running += 1;
        run.peakConcurrency = Math.max(run.peakConcurrency, running);
        let abort: (() => void) | undefined;
        const child = await this.execute(childMachine, childInput, childArn, overrides, (a) => {
          aborts.add((abort = a));
        });
        running -= 1;
        if (abort) aborts.delete(abort);
        run.executions[index] = child;
        if (child.status !== 'SUCCEEDED' && failure === undefined) {
          failure = child;
          for (const stop of aborts) stop();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, request.items.length) }, worker));
    if (failure) {
      throw new StatesError(
        'States.ExceedToleratedFailureThreshold',
        `The specified tolerated failure threshold was exceeded: child execution ${failure.executionArn} ${failure.status} (${failure.error ?? ''})`,
      );
    }
    return run.executions.map((child) => child.output);
  }

  private buildOverrides(mapRuns: LocalMapRun[]) {
    const clock = this.options.sandbox.clock;
    const taskResourceLocalHandlers: Record<string, (input: never) => Promise<never>> = {};
    const waitTimeOverrides: Record<string, number> = {};
    const overrides = { taskResourceLocalHandlers, waitTimeOverrides };
    forEachState(this.definition, (name, state) => {
      if (state.Type === 'Wait') waitTimeOverrides[name] = clock.realMsFor(Number(state.Seconds) * 1000);
      if (this.processors.has(name)) {
        taskResourceLocalHandlers[name] = ((request: Parameters<LocalStateMachine['runMap']>[1]) =>
          this.runMap(name, request, overrides, mapRuns)) as never;
      }
      if (state.Type === 'Task') {
        const waitsForToken = String(state.Resource).endsWith('.waitForTaskToken');
        const timeoutSeconds = Number(state.TimeoutSeconds ?? 99_999_999);
        taskResourceLocalHandlers[name] = ((parameters: { FunctionName: string; Payload?: unknown }) =>
          waitsForToken
            ? this.invokeWaitingForToken(name, parameters, timeoutSeconds)
            : this.invokeLambda(parameters.FunctionName, parameters.Payload)) as never;
      }
    });
    return overrides;
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

/** Step Functions runs at most 10,000 child executions of one Distributed Map at once. */
const DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000;

interface MapProcessor {
  machine: Record<string, unknown>;
  itemSelector: unknown;
  maxConcurrency: number | undefined;
}

/**
 * The library runs a Map state's iterations inside the parent execution (one `$$.Execution`),
 * which is right for INLINE maps only. In the copy it runs, each Distributed Map state becomes a
 * Task the runner answers by running the items as child executions (`runMap`); the state keeps
 * its own InputPath, ResultSelector, ResultPath, Retry, Catch and transitions.
 */
function withMapRunTasks(definition: Record<string, unknown>): {
  machine: Record<string, unknown>;
  processors: Map<string, MapProcessor>;
} {
  const processors = new Map<string, MapProcessor>();
  const rewrite = (machine: Record<string, unknown>): void => {
    const states = machine.States as Record<string, Record<string, unknown>>;
    for (const [name, state] of Object.entries(states)) {
      for (const branch of (state.Branches as Record<string, unknown>[] | undefined) ?? []) rewrite(branch);
      const processor = state.ItemProcessor as Record<string, unknown> | undefined;
      if (!processor) continue;
      rewrite(processor);
      if ((processor.ProcessorConfig as { Mode?: string } | undefined)?.Mode !== 'DISTRIBUTED') continue;
      const { ProcessorConfig: _config, ...childMachine } = processor;
      processors.set(name, {
        machine: childMachine,
        itemSelector: state.ItemSelector,
        maxConcurrency: state.MaxConcurrency as number | undefined,
      });
      const {
        ItemsPath,
        ItemSelector: _selector,
        ItemProcessor: _processor,
        MaxConcurrency: _max,
        MaxConcurrencyPath,
        ...kept
      } = state;
      states[name] = {
        ...kept,
        Type: 'Task',
        Resource: MAP_RUN_RESOURCE,
        // A Map state has no timeout of its own; the library would give a Task 60 s (and cannot
        // set a timer beyond 2^31 ms).
        TimeoutSeconds: 2_000_000,
        Parameters: {
          'items.$': ItemsPath ?? '$',
          'input.$': '$',
          'context.$': '$$',
          ...(MaxConcurrencyPath ? { 'maxConcurrency.$': MaxConcurrencyPath } : {}),
        },
      };
    }
  };
  const machine = JSON.parse(JSON.stringify(definition)) as Record<string, unknown>;
  rewrite(machine);
  return { machine, processors };
}

/** A child execution's input: the ItemSelector evaluated as Step Functions does, with `$$.Map.Item`. */
async function selectItem(
  itemSelector: unknown,
  input: unknown,
  context: Record<string, unknown>,
  index: number,
  value: unknown,
): Promise<unknown> {
  const select = new StateMachine(
    { StartAt: 'Select', States: { Select: { Type: 'Pass', Parameters: itemSelector, End: true } } } as never,
    { validationOptions: { noValidate: true } },
  );
  return select.run(input as never, {
    context: { ...context, Map: { Item: { Index: index, Value: value } } },
  }).result;
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
