import { randomUUID } from 'node:crypto';
import { describeExecution, startExecution } from '../../functions/aws/step-functions.js';
import { CachegateError, ValidationError } from '../../functions/core/errors.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';

/** Where a CLI command runs its workflow: a fresh local sandbox, or a deployed state machine. */
export interface WorkflowTarget {
  /** A deployed `cachegate-<workflow>` state machine; without it the workflow runs locally. */
  stateMachineArn?: string;
  /** Seconds between DescribeExecution calls for a deployed workflow. */
  pollSeconds?: number;
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * Runs `workflow` with `input` to its end and returns its output. Locally it runs the real ASL
 * on a fresh sandbox seeded with the demo account (a dry run: nothing persists after the
 * command); with a state machine ARN it starts the deployed workflow and polls it. A failed
 * validation step becomes a ValidationError (exit 2), any other failure exit 1.
 */
export async function runWorkflow(
  workflow: string,
  input: unknown,
  target: WorkflowTarget,
): Promise<unknown> {
  const result = target.stateMachineArn
    ? await runDeployed(target.stateMachineArn, input, target.pollSeconds ?? 10)
    : await runLocal(workflow, input);
  if (result.status === 'SUCCEEDED') return result.output;
  const message = `${workflow} ${result.status.toLowerCase()}: ${result.error ?? 'unknown error'}: ${causeMessage(result.cause)}`;
  if (result.error?.endsWith('.InvalidInput')) throw new ValidationError(causeMessage(result.cause));
  throw new CachegateError('WORKFLOW_FAILED', message);
}

interface WorkflowResult {
  status: string;
  output?: unknown;
  error?: string;
  cause?: string;
}

async function runLocal(workflow: string, input: unknown): Promise<WorkflowResult> {
  const sandbox = await openLocalSandbox();
  try {
    const { LocalStateMachine } = await import('../../local/runner/local-state-machine.js');
    progress(`local sandbox (dry run, nothing is kept): running ${workflow}`);
    const machine = LocalStateMachine.load(workflow, {
      sandbox,
      onEvent: (event) => {
        if (event.type === 'StateEntered' && event.state) progress(`  ${workflow} › ${event.state.name}`);
        if (event.type === 'StateRetried' && event.state)
          progress(`  ${workflow} › ${event.state.name} (retrying)`);
      },
    });
    const run = await machine.run(input);
    return { status: run.status, output: run.output, error: run.error, cause: run.cause };
  } finally {
    await sandbox.close();
  }
}

/** A fresh sandbox seeded with the demo account; Powertools stays quiet on the terminal. */
export async function openLocalSandbox() {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const [{ createSandbox }, { seedRbacDemo }, { seedMemoryDbDemo }] = await Promise.all([
    import('../../local/sandbox/index.js'),
    import('../../local/sandbox/models/elasticache-seed.js'),
    import('../../local/sandbox/models/memorydb-seed.js'),
  ]);
  // Fast simulated time: a 15 s Wait state takes a few real milliseconds.
  const sandbox = await createSandbox({ speed: 5000, dynamoDb: false });
  await seedRbacDemo(
    sandbox.model<ElastiCacheModel>('ElastiCache'),
    sandbox.model<SecretsManagerModel>('Secrets Manager'),
  );
  seedMemoryDbDemo(sandbox.model<MemoryDbModel>('MemoryDB'));
  return sandbox;
}

/**
 * Starts the deployed workflow (execution name `cli-<uuid>`) and polls DescribeExecution until
 * it ends, printing its status.
 */
export async function runDeployed(
  stateMachineArn: string,
  input: unknown,
  pollSeconds: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<WorkflowResult> {
  const executionArn = await startExecution(stateMachineArn, `cli-${randomUUID()}`, input);
  progress(`started ${executionArn}`);
  const started = Date.now();
  for (;;) {
    const execution = await describeExecution(executionArn);
    progress(`  ${execution.status} (${Math.round((Date.now() - started) / 1000)} s)`);
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return execution;
    await sleep(pollSeconds * 1000);
  }
}

/** The failed step's error message (a Lambda error's `errorMessage`), else the cause as is. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}
