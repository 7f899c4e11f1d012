import type { Command } from 'commander';
import { CachegateError, ValidationError } from '../../../functions/core/errors.js';
import type { CacheService } from '../../../functions/core/rbac/cache-service.js';
import {
  checkStateMachineArn,
  outputOf,
  parsePollSeconds,
  runDeployedWorkflow,
  type WorkflowResult,
} from '../deployed-workflow.js';
import { quietLambdaOutput } from '../../../local/lambda-output.js';
import { RotationProgress, USER_OUTCOME_STATES } from './rotation-progress.js';

interface RotateOptions {
  user?: string;
  all?: boolean;
  selector?: string;
  emergency?: boolean;
  service?: string;
  stateMachineArn?: string;
  pollSeconds?: string;
  requestedBy?: string;
  json?: boolean;
}

/**
 * `cachegate rotate --user <id>` (rotate-password) and `cachegate rotate --all [--selector ...]`
 * (rotate-all), with a progress bar on a terminal and plain progress lines otherwise. Without
 * `--state-machine-arn` the workflow runs on a fresh local sandbox with sample users (a dry run).
 */
export function registerRotateCommands(program: Command): void {
  program
    .command('rotate')
    .description('rotate cache user passwords under the two-password limit, without locking clients out')
    .option('--user <id>', 'rotate one user (rotate-password)')
    .option('--all', 'rotate every user the selector picks (rotate-all)')
    .option(
      '--emergency',
      'with --all: rotate as fast as the control plane allows (250 users in flight instead of 10)',
    )
    .option(
      '--selector <selector>',
      'with --all: all (default), tag:<key>=<value> (secret tag), group:<user-group-id>',
    )
    .option('--service <service>', 'elasticache (default) or memorydb (group: then names an ACL)')
    .option(
      '--state-machine-arn <arn>',
      'start the deployed cachegate-rotate-password / cachegate-rotate-all and poll it',
    )
    .option('--poll-seconds <n>', 'seconds between status checks of a deployed workflow (default 10)')
    .option('--requested-by <name>', 'the actor recorded in the audit event (default cachegate-cli)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nWithout --state-machine-arn the workflow runs on a fresh local sandbox with sample users ' +
        '(the --user ID, or 25 users for --all): a dry run, nothing is kept.',
    )
    .action(async (options: RotateOptions) => {
      await rotate(options);
    });
}

async function rotate(options: RotateOptions): Promise<void> {
  if ((options.user === undefined) === (options.all !== true)) {
    throw new ValidationError('give exactly one of --user <id> or --all', '--user');
  }
  if (options.selector !== undefined && !options.all) throw new ValidationError('needs --all', '--selector');
  if (options.emergency && !options.all) throw new ValidationError('needs --all', '--emergency');
  const pollSeconds = parsePollSeconds(options.pollSeconds);
  if (options.stateMachineArn !== undefined) checkStateMachineArn(options.stateMachineArn);
  const requestedBy = options.requestedBy ?? 'cachegate-cli';
  const { parseCacheServiceOption } = await import('../../../functions/core/rbac/cache-service.js');
  const service = parseCacheServiceOption(options.service);
  let input: Record<string, unknown>;
  if (options.user !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(options.user)) {
      throw new ValidationError('must be 1-40 letters, digits or hyphens, starting with a letter', '--user');
    }
    input = { userId: options.user, requestedBy, service };
  } else {
    const { parseSelectorText, rotationSelectorSchema } =
      await import('../../../functions/core/rotation/selection.js');
    const selector = rotationSelectorSchema.safeParse(parseSelectorText(options.selector ?? 'all'));
    if (!selector.success)
      throw new ValidationError('use all, tag:<key>=<value> or group:<user-group-id>', '--selector');
    input = {
      selector: selector.data,
      requestedBy,
      service,
      ...(options.emergency ? { emergency: true } : {}),
    };
  }
  const workflow = options.user !== undefined ? 'rotate-password' : 'rotate-all';
  const result = options.stateMachineArn
    ? await runDeployedWorkflow(options.stateMachineArn, input, { pollSeconds })
    : await runLocal(workflow, input, service, options.user);
  const output = outputOf(workflow, result);
  printResult(output, options.json === true);
  const { isUserBusyReason } = await import('../../../functions/core/rbac/user-claim.js');
  const left = notRotated(output, isUserBusyReason);
  if (left.length > 0) {
    throw new CachegateError(
      'ROTATION_INCOMPLETE',
      `not rotated: ${left.join(', ')} (failed, or busy with another workflow: run again when it ends)`,
      { exitCode: 1 },
    );
  }
}

/**
 * The users a run should have rotated and did not: failed, or skipped because another workflow
 * held them (a skip for having no password to rotate is not one). The CLI exits 1 for them.
 */
export function notRotated(output: unknown, isBusy: (reason: string | undefined) => boolean): string[] {
  const result = output as {
    status?: string;
    userId?: string;
    reason?: string;
    users?: { userId: string; status: string; reason?: string }[];
  };
  const users = result.users ?? [
    { userId: result.userId ?? '', status: result.status ?? '', reason: result.reason },
  ];
  return users
    .filter((u) => u.status === 'failed' || (u.status === 'skipped' && isBusy(u.reason)))
    .map((u) => u.userId);
}

/** One user's steps: a bar on a terminal (redrawn in place), a line per 10 % otherwise. */
class ProgressBar {
  private lastDecile = -1;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, note = ''): void {
    const ratio = this.total === 0 ? 1 : Math.min(1, done / this.total);
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${note}`.padEnd(
          80,
        ),
      );
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile === this.lastDecile) return;
    this.lastDecile = decile;
    this.stream.write(`${this.label}: ${done}/${this.total} ${note}\n`);
  }

  end(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

const ROTATION_STEPS = [
  'BeginRotation',
  'StorePendingPassword',
  'SetRotationPasswords',
  'CheckRotationPasswords',
  'VerifyPendingPassword',
  'PromotePendingPassword',
  'FinishRotation',
];

async function runLocal(
  workflow: string,
  input: Record<string, unknown>,
  service: CacheService,
  userId?: string,
): Promise<WorkflowResult> {
  quietLambdaOutput();
  const [{ createSandbox }, { createTables }, { LocalStateMachine }, { seedUserWithSecret }] =
    await Promise.all([
      import('../../../local/sandbox/index.js'),
      import('../../../local/sandbox/tables.js'),
      import('../../../local/runner/local-state-machine.js'),
      import('../../../local/sandbox/seed-user-with-secret.js'),
    ]);
  const sandbox = await createSandbox({ speed: 2000 });
  try {
    await createTables();
    const users =
      userId !== undefined ? [userId] : Array.from({ length: 25 }, (_, i) => `sample-user-${i + 1}`);
    for (const id of users) await seedUserWithSecret(sandbox, id, { service });
    process.stderr.write(
      `local sandbox (dry run, nothing is kept): ${workflow} with ${users.length} sample ${service} user(s)\n`,
    );
    const steps = new ProgressBar(workflow, ROTATION_STEPS.length);
    const progress = new RotationProgress(workflow, users.length);
    const counts = { done: 0, failed: 0 };
    const machine = LocalStateMachine.load(workflow, {
      sandbox,
      lambdaTimeoutSeconds: 900,
      onEvent: (event) => {
        if (event.type !== 'StateEntered' || !event.state) return;
        if (userId !== undefined && ROTATION_STEPS.includes(event.state.name)) {
          steps.update(ROTATION_STEPS.indexOf(event.state.name) + 1, event.state.name);
        }
        const outcome = USER_OUTCOME_STATES[event.state.name];
        if (userId === undefined && outcome) {
          counts[outcome] += 1;
          progress.update(counts);
        }
      },
    });
    const run = await machine.run(input);
    if (userId !== undefined) steps.end();
    else progress.end();
    return run;
  } finally {
    await sandbox.close();
  }
}

function printResult(output: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return;
  }
  const result = output as {
    status?: string;
    userId?: string;
    versionId?: string;
    reason?: string;
    total?: number;
    rotated?: number;
    failed?: number;
    skipped?: number;
    users?: { userId: string; status: string; reason?: string }[];
  };
  if (result.users) {
    process.stdout.write(
      `rotated ${result.rotated}, failed ${result.failed}, skipped ${result.skipped} of ${result.total}\n`,
    );
    for (const user of result.users.filter((u) => u.status !== 'rotated')) {
      process.stdout.write(`  ${user.status.padEnd(8)} ${user.userId}: ${user.reason ?? ''}\n`);
    }
    return;
  }
  process.stdout.write(
    result.status === 'rotated'
      ? `rotated ${result.userId}: AWSCURRENT is version ${result.versionId}\n`
      : `${result.status} ${result.userId}: ${result.reason}\n`,
  );
}
