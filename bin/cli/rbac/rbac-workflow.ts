import { outputOf, runDeployedWorkflow, type WorkflowResult } from '../deployed-workflow.js';
import type { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';
import type { IamModel } from '../../../local/sandbox/models/iam.js';
import type { MemoryDbModel } from '../../../local/sandbox/models/memorydb/index.js';
import type { SecretsManagerModel } from '../../../local/sandbox/models/secrets-manager.js';
import { quietLambdaOutput } from '../../../local/lambda-output.js';

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
  /**
   * Local dry run only: a workflow run first on the same fresh sandbox, for a command whose
   * workflow needs an earlier one's result (finish needs a migrated group); it must succeed.
   */
  localPrelude?: { workflow: string; input: unknown },
): Promise<unknown> {
  const result = target.stateMachineArn
    ? await runDeployedWorkflow(target.stateMachineArn, input, { pollSeconds: target.pollSeconds ?? 10 })
    : await runLocal(workflow, input, localPrelude);
  return outputOf(workflow, result);
}

async function runLocal(
  workflow: string,
  input: unknown,
  prelude?: { workflow: string; input: unknown },
): Promise<WorkflowResult> {
  const sandbox = await openLocalSandbox();
  try {
    if (prelude) {
      progress(`  first ${prelude.workflow}, so the dry run has something to work on`);
      outputOf(prelude.workflow, await runOnSandbox(sandbox, prelude.workflow, prelude.input));
    }
    return await runOnSandbox(sandbox, workflow, input);
  } finally {
    await sandbox.close();
  }
}

/** Runs `workflow` on an open local sandbox (a command made of several workflows shares one). */
export async function runOnSandbox(
  sandbox: Awaited<ReturnType<typeof openLocalSandbox>>,
  workflow: string,
  input: unknown,
): Promise<WorkflowResult> {
  const { LocalStateMachine } = await import('../../../local/runner/local-state-machine.js');
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
}

/** Runs a workflow on an open local sandbox; it must succeed (its failure is thrown as the CLI reports it). */
export async function runLocalWorkflow(
  sandbox: Awaited<ReturnType<typeof openLocalSandbox>>,
  workflow: string,
  input: unknown,
): Promise<unknown> {
  return outputOf(workflow, await runOnSandbox(sandbox, workflow, input));
}

/** A fresh sandbox seeded with the demo account; Powertools stays quiet on the terminal. */
export async function openLocalSandbox() {
  quietLambdaOutput();
  const [{ createSandbox }, { createTables }, { seedRbacDemo }, { seedMemoryDbDemo }] = await Promise.all([
    import('../../../local/sandbox/index.js'),
    import('../../../local/sandbox/tables.js'),
    import('../../../local/sandbox/models/elasticache/seed.js'),
    import('../../../local/sandbox/models/memorydb/seed.js'),
  ]);
  // Fast simulated time: a 15 s Wait state takes a few real milliseconds.
  const sandbox = await createSandbox({ speed: 5000 });
  await createTables(); // the user claims every RBAC workflow takes
  await seedRbacDemo(
    sandbox.model<ElastiCacheModel>('ElastiCache'),
    sandbox.model<SecretsManagerModel>('Secrets Manager'),
  );
  seedMemoryDbDemo(sandbox.model<MemoryDbModel>('MemoryDB'));
  // The sandbox has no CreateRole: the demo's application role exists from the start.
  sandbox.model<IamModel>('IAM').seedPrincipal('role', 'orders-app');
  return sandbox;
}
