import type { Command } from 'commander';
import { ValidationError } from '../../../functions/core/errors.js';
import type {
  createUser,
  deleteUser,
  finishMigration,
  migrateToRbac,
  migrateUserToIamCommand,
  rollbackToAuth,
} from './rbac-actions.js';

const LOCAL_NOTE =
  'Without --state-machine-arn the workflow runs on a fresh local sandbox seeded with a demo account ' +
  '(replication groups orders-cache, legacy-cache, plaintext-cache; user group orders-users; users ' +
  'orders-reader, legacy-app): a dry run, nothing is kept between invocations.';

/** `--state-machine-arn` / `--poll-seconds` / `--requested-by`, shared by the workflow commands. */
function workflowOptions(command: Command, workflow: string): Command {
  return command
    .option(
      '--state-machine-arn <arn>',
      `start the deployed cachegate-${workflow} state machine (AWS credentials from the environment) and poll it until it ends`,
    )
    .option(
      '--poll-seconds <n>',
      'seconds between status checks of a deployed workflow (default 10)',
      seconds,
    )
    .option('--requested-by <name>', 'the actor recorded in the audit event (default cachegate-cli)')
    .addHelpText('after', `\n${LOCAL_NOTE}`);
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600)
    throw new ValidationError('must be a whole number of seconds, 1-3600', '--poll-seconds');
  return n;
}

const SERVICE_HELP = 'elasticache (default) or memorydb (--group then names ACLs)';

/**
 * `user create|delete|list`, `access-string check` and `migrate-to-rbac`: ElastiCache (and, for
 * users, MemoryDB) RBAC through the onboard-user, offboard-user and migrate-to-rbac workflows.
 * Actions import lazily.
 */
export function registerRbacCommands(program: Command): void {
  const user = program
    .command('user')
    .description('ElastiCache or MemoryDB RBAC users (onboard-user / offboard-user workflows)');
  workflowOptions(
    user
      .command('create')
      .description(
        'create a user with a generated password kept in Secrets Manager, and add it to user groups',
      )
      .requiredOption('--user-id <id>', 'user ID (1-40 letters, digits, hyphens)')
      .option('--user-name <name>', 'user name the client logs in with (default: the user ID)')
      .requiredOption(
        '--access-string <string>',
        'ElastiCache access string, e.g. "on ~orders:* -@all +@read"',
      )
      .requiredOption('--group <id...>', 'user group(s) to add the user to')
      .option('--engine <engine>', 'redis or valkey (default redis; ignored by MemoryDB)')
      .option('--auth <type>', 'password (default: generated, kept in Secrets Manager) or iam (ElastiCache)')
      .option(
        '--principal <arn>',
        'with --auth iam: the IAM role or user ARN that may connect as this user (user ID = user name, lower case)',
      )
      .option('--service <service>', SERVICE_HELP),
    'onboard-user',
  ).action(async (options: Parameters<typeof createUser>[0]) => {
    const actions = await import('./rbac-actions.js');
    await actions.createUser(options);
  });
  workflowOptions(
    user
      .command('delete')
      .description('remove a user from every user group, delete it and schedule its secret for deletion')
      .requiredOption('--user-id <id>', 'user ID')
      .option('--service <service>', SERVICE_HELP),
    'offboard-user',
  ).action(async (options: Parameters<typeof deleteUser>[0]) => {
    const actions = await import('./rbac-actions.js');
    await actions.deleteUser(options);
  });
  user
    .command('migrate-to-iam')
    .description(
      'password → IAM for an existing ElastiCache user: create an IAM user beside it (same groups and access string, --principal may connect), verify it through the connectivity probe with a generated token, then offboard the password user (its secret scheduled for deletion)',
    )
    .requiredOption('--user-id <id>', 'the password user clients use today')
    .requiredOption('--iam-user-id <id>', 'the IAM user to create (user ID = user name, lower case)')
    .requiredOption('--principal <arn>', 'the IAM role or user ARN that will connect as the IAM user')
    .option('--keep-password-user', 'stop once the IAM user is verified (remove the password user later)')
    .option('--onboard-state-machine-arn <arn>', 'the deployed cachegate-onboard-user state machine')
    .option('--offboard-state-machine-arn <arn>', 'the deployed cachegate-offboard-user state machine')
    .option(
      '--poll-seconds <n>',
      'seconds between status checks of a deployed workflow (default 10)',
      seconds,
    )
    .option('--requested-by <name>', 'the actor recorded in the audit events (default cachegate-cli)')
    .addHelpText(
      'after',
      `\nWithout the state machine ARNs both workflows run on one fresh local sandbox (a dry run) whose cache answers the probe's AUTH with the sandbox's own SigV4 check; the demo account's role ${'arn:aws:iam::000000000000:role/orders-app'} exists there.`,
    )
    .action(async (options: Parameters<typeof migrateUserToIamCommand>[0]) => {
      const actions = await import('./rbac-actions.js');
      await actions.migrateUserToIamCommand(options);
    });
  user
    .command('list')
    .description('list users: the local demo sandbox, or with --aws the ElastiCache (or MemoryDB) account')
    .option('--json', 'JSON output')
    .option('--aws', 'call DescribeUsers with the AWS credentials from the environment')
    .option('--service <service>', 'elasticache (default) or memorydb')
    .action(async (options: { json?: boolean; aws?: boolean; service?: string }) => {
      const { listUsers } = await import('./rbac-actions.js');
      await listUsers(options);
    });

  program
    .command('connect-token')
    .description(
      'print an IAM auth token (SigV4 presigned, 15 minutes) for AUTH <user> <token>, signed with the AWS credentials of the environment',
    )
    .requiredOption('--cache <id>', 'replication group ID or serverless cache name')
    .requiredOption('--user <id>', 'the IAM-authenticated user (user ID = user name)')
    .option('--region <region>', 'AWS region (default: from the environment)')
    .option('--serverless', 'the cache is a serverless cache')
    .action(async (options: { cache: string; user: string; region?: string; serverless?: boolean }) => {
      const { connectToken } = await import('./rbac-actions.js');
      await connectToken(options);
    });

  program
    .command('access-string')
    .description('ElastiCache access strings')
    .command('check')
    .description('validate an access string; print its normalized form, or the error with its position')
    .argument('<access-string>', 'e.g. "on ~orders:* -@all +@read"')
    .option('--engine <engine>', 'engine of the target cache: redis (default) or valkey')
    .option(
      '--engine-version <version>',
      "the cache's engine version, e.g. 7.1 or 8.0 (default: the newest catalog of the engine)",
    )
    .action(async (accessString: string, options: { engine?: string; engineVersion?: string }) => {
      const { checkAccessString } = await import('./rbac-actions.js');
      checkAccessString(accessString, options);
    });

  const migrate = workflowOptions(
    program
      .command('migrate-to-rbac')
      .description(
        'move a replication group from AUTH to RBAC with no downtime: a user group whose default user keeps the AUTH token (from --auth-token-secret-arn; locked when the group has no AUTH) and the given users, attached with the token deleted and waited for (TLS required)',
      )
      .option('--replication-group <id>', 'ElastiCache replication group ID')
      .option(
        '--serverless-cache <name>',
        'ElastiCache serverless cache with no user group yet: the user group is attached with ModifyServerlessCache (RBAC is its only access control)',
      )
      .option('--user <id...>', 'existing user(s) to put in the new user group (MemoryDB: ACL)')
      .option('--user-group <id>', 'ID of the user group to create (default <replication-group>-users)')
      .option(
        '--auth-token-secret-arn <arn>',
        'Secrets Manager secret (cachegate/elasticache/auth-tokens/...) holding the current AUTH token; required when the group uses AUTH',
      )
      .option('--default-user-id <id>', 'ID of its default user (default <user-group>-default)')
      .option('--service <service>', 'elasticache (default) or memorydb')
      .option(
        '--cluster <name>',
        'MemoryDB: the cluster to move off the open-access ACL (implies --service memorydb)',
      )
      .option('--acl <name>', 'MemoryDB: name of the ACL to create (default <cluster>-acl)'),
    'migrate-to-rbac',
  );
  migrate.action(async (options: Parameters<typeof migrateToRbac>[0]) => {
    const actions = await import('./rbac-actions.js');
    await actions.migrateToRbac(options);
  });
  // A command of its own rather than `migrate-to-rbac finish`: the two share option names, and a
  // subcommand's options would need positional options program-wide (`--debug` then only first).
  workflowOptions(
    program
      .command('finish-migration')
      .description(
        'after migrate-to-rbac: lock the default user (which carries the old AUTH token) once no connection has logged in as default for --window-seconds (looked at through the connectivity probe), or at once with --force-reason',
      )
      .requiredOption('--replication-group <id>', 'the migrated replication group')
      .requiredOption(
        '--auth-token-secret-arn <arn>',
        'the token secret migrate-to-rbac was given (the probe logs in with it to list connections)',
      )
      .option(
        '--window-seconds <n>',
        'how long no connection may log in as default before the lock (default 3600)',
      )
      .option(
        '--force-reason <text>',
        'lock now, whatever is connected, for this reason (kept in the audit event)',
      )
      .option('--user <id...>', 'local dry run only: the users the preceding migration puts in the group'),
    'finish-migration',
  ).action(async (options: Parameters<typeof finishMigration>[0]) => {
    const actions = await import('./rbac-actions.js');
    await actions.finishMigration(options);
  });
  program
    .command('rollback-to-auth')
    .description(
      'undo migrate-to-rbac: remove the user group and set the AUTH token from --auth-token-secret-arn (strategy SET), after checking the group is on RBAC, settled, with TLS, and the token readable and valid',
    )
    .requiredOption('--replication-group <id>', 'the migrated replication group')
    .requiredOption(
      '--auth-token-secret-arn <arn>',
      'Secrets Manager secret (cachegate/elasticache/auth-tokens/...) whose AWSCURRENT becomes the AUTH token',
    )
    .option('--requested-by <name>', 'the actor recorded in the audit event (default cachegate-cli)')
    .option('--aws', 'on the AWS account of the environment (default: a dry run on a fresh local sandbox)')
    .action(async (options: Parameters<typeof rollbackToAuth>[0]) => {
      const actions = await import('./rbac-actions.js');
      await actions.rollbackToAuth(options);
    });
}
