import { AccessStringError, normalizeAccessString } from '../../functions/core/access-string/index.js';
import { ValidationError } from '../../functions/core/errors.js';
import { parseInput } from '../../functions/core/parse-input.js';
import { migrateToRbacRequestSchema } from '../../functions/core/rbac/migration.js';
import { offboardUserRequestSchema } from '../../functions/core/rbac/offboarding.js';
import { onboardUserRequestSchema } from '../../functions/core/rbac/onboarding.js';
import { openLocalSandbox, runWorkflow, type WorkflowTarget } from './rbac-workflow.js';

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** CLI flag for each request field, so an error names what the user typed. */
const FLAGS: Record<string, string> = {
  userId: '--user-id',
  userName: '--user-name',
  accessString: '--access-string',
  userGroupIds: '--group',
  engine: '--engine',
  requestedBy: '--requested-by',
  replicationGroupId: '--replication-group',
  userGroupId: '--user-group',
  defaultUserId: '--default-user-id',
  userIds: '--user',
  service: '--service',
};

/** A ValidationError whose message starts with a request field, retold with the CLI flag. */
function withFlag(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  const match = /^([A-Za-z]+)((?:\.\d+)*): (.*)$/s.exec(error.message);
  const flag = FLAGS[match?.[1] ?? ''];
  if (!match || !flag) return error;
  return new ValidationError(match[3] ?? '', `${flag}${match[2] ?? ''}`);
}

/** Parses the request as its workflow would, before anything starts; errors name the flag. */
function parseRequest<T>(schema: { safeParse(input: unknown): unknown }, input: unknown): T {
  try {
    return parseInput(schema as never, input) as T;
  } catch (error) {
    throw withFlag(error);
  }
}

/** Runs the workflow; a refusal by its validation step names the flag too. */
async function run(workflow: string, request: unknown, target: WorkflowTarget): Promise<unknown> {
  try {
    return await runWorkflow(workflow, request, target);
  } catch (error) {
    throw withFlag(error);
  }
}

interface Common extends WorkflowTarget {
  requestedBy?: string;
  /** `elasticache` (default) or `memorydb`; the workflow's schema checks it. */
  service?: string;
}

const serviceField = (service: string | undefined) => (service === undefined ? {} : { service });

/** `access-string check`: the normalized form, or the error with a caret under the token. */
export function checkAccessString(accessString: string): void {
  try {
    out(normalizeAccessString(accessString));
  } catch (error) {
    if (error instanceof AccessStringError && error.tokenIndex > 0) {
      const caret = maskPasswords(accessString.slice(0, error.position)).length;
      process.stderr.write(`  ${maskPasswords(accessString)}\n  ${' '.repeat(caret)}^\n`);
    }
    throw error;
  }
}

/** `>password`, `<password`, `#hash` tokens are shown as `>…`: the terminal must not echo a secret. */
function maskPasswords(text: string): string {
  return text.replace(/(^|\s)([<>#])\S+/g, '$1$2…');
}

export async function createUser(
  options: Common & {
    userId: string;
    userName?: string;
    accessString: string;
    group: string[];
    engine?: string;
  },
): Promise<void> {
  const request = parseRequest<object>(onboardUserRequestSchema, {
    userId: options.userId,
    userName: options.userName ?? options.userId,
    accessString: options.accessString,
    userGroupIds: options.group,
    ...(options.engine ? { engine: options.engine } : {}),
    ...serviceField(options.service),
    requestedBy: options.requestedBy ?? 'cachegate-cli',
  });
  const output = (await run('onboard-user', request, options)) as {
    userId: string;
    userGroupIds: string[];
    secretArn: string;
  };
  out(`user ${output.userId} is active in ${output.userGroupIds.join(', ')}`);
  out(`password stored in ${output.secretArn}`);
}

export async function deleteUser(options: Common & { userId: string }): Promise<void> {
  const request = parseRequest<object>(offboardUserRequestSchema, {
    userId: options.userId,
    ...serviceField(options.service),
    requestedBy: options.requestedBy ?? 'cachegate-cli',
  });
  const output = (await run('offboard-user', request, options)) as { userId: string };
  out(`user ${output.userId} is deleted; its secret is scheduled for deletion`);
}

export async function migrateToRbac(
  options: Common & {
    replicationGroup: string;
    user?: string[];
    userGroup?: string;
    defaultUserId?: string;
  },
): Promise<void> {
  const request = parseRequest<object>(migrateToRbacRequestSchema, {
    replicationGroupId: options.replicationGroup,
    userIds: options.user ?? [],
    ...(options.userGroup ? { userGroupId: options.userGroup } : {}),
    ...(options.defaultUserId ? { defaultUserId: options.defaultUserId } : {}),
    requestedBy: options.requestedBy ?? 'cachegate-cli',
  });
  const output = (await run('migrate-to-rbac', request, options)) as {
    replicationGroupId: string;
    userGroupId: string;
    defaultUserId: string;
    memberIds: string[];
  };
  out(
    `replication group ${output.replicationGroupId} is available with user group ${output.userGroupId} (${output.memberIds.join(', ')}; locked default user ${output.defaultUserId})`,
  );
}

/** `user list`: the local sandbox's users, or with `aws` the account's (DescribeUsers). */
export async function listUsers(options: { json?: boolean; aws?: boolean; service?: string }): Promise<void> {
  const { CACHE_SERVICES } = await import('../../functions/core/rbac/cache-service.js');
  const service = CACHE_SERVICES.find((s) => s === (options.service ?? 'elasticache'));
  if (service === undefined) throw new ValidationError('must be elasticache or memorydb', '--service');
  const sandbox = options.aws ? undefined : await openLocalSandbox();
  try {
    const { cacheRbac } = await import('../../functions/aws/cache-rbac-port.js');
    const users = await cacheRbac(service).listUsers();
    if (options.json) {
      out(JSON.stringify(users, null, 2));
      return;
    }
    if (sandbox) process.stderr.write('local sandbox (dry run): the seeded demo account\n');
    for (const user of users) {
      out(
        [
          user.userId.padEnd(24),
          user.userName.padEnd(20),
          user.status.padEnd(10),
          `${user.authenticationType}${user.passwordCount ? `×${user.passwordCount}` : ''}`.padEnd(14),
          (user.userGroupIds.join(',') || '-').padEnd(20),
          user.accessString,
        ].join(' '),
      );
    }
  } finally {
    await sandbox?.close();
  }
}
