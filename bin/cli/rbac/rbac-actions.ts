import {
  AccessStringError,
  catalogFor,
  normalizeAccessString,
  type CacheEngine,
} from '../../../functions/core/access-string/index.js';
import { ValidationError } from '../../../functions/core/errors.js';
import { parseInput } from '../../../functions/core/parse-input.js';
import { finishMigrationRequestSchema } from '../../../functions/core/rbac/finish-migration.js';
import { migrateToRbacRequestSchema } from '../../../functions/core/rbac/migration.js';
import { rollbackToAuthRequestSchema } from '../../../functions/core/rbac/rollback-to-auth.js';
import { offboardUserRequestSchema } from '../../../functions/core/rbac/offboarding.js';
import { onboardUserRequestSchema } from '../../../functions/core/rbac/onboarding.js';
import { openLocalSandbox, runLocalWorkflow, runWorkflow, type WorkflowTarget } from './rbac-workflow.js';

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
  serverlessCacheName: '--serverless-cache',
  userGroupId: '--user-group',
  defaultUserId: '--default-user-id',
  authTokenSecretArn: '--auth-token-secret-arn',
  userIds: '--user',
  service: '--service',
  auth: '--auth',
  principalArn: '--principal',
  windowSeconds: '--window-seconds',
  forceReason: '--force-reason',
};

/**
 * A ValidationError whose message starts with a request field, retold with the CLI flag
 * (`overrides` for commands whose flags differ by service).
 */
function withFlag(error: unknown, overrides: Record<string, string> = {}): unknown {
  if (!(error instanceof ValidationError)) return error;
  const match = /^([A-Za-z]+)((?:\.\d+)*): (.*)$/s.exec(error.message);
  const flag = overrides[match?.[1] ?? ''] ?? FLAGS[match?.[1] ?? ''];
  if (!match || !flag) return error;
  return new ValidationError(match[3] ?? '', `${flag}${match[2] ?? ''}`);
}

/** Parses the request as its workflow would, before anything starts; errors name the flag. */
function parseRequest<T>(
  schema: { safeParse(input: unknown): unknown },
  input: unknown,
  flags?: Record<string, string>,
): T {
  try {
    return parseInput(schema as never, input) as T;
  } catch (error) {
    throw withFlag(error, flags);
  }
}

/** Runs the workflow; a refusal by its validation step names the flag too. */
async function run(
  workflow: string,
  request: unknown,
  target: WorkflowTarget,
  flags?: Record<string, string>,
  localPrelude?: { workflow: string; input: unknown },
): Promise<unknown> {
  try {
    return await runWorkflow(workflow, request, target, localPrelude);
  } catch (error) {
    throw withFlag(error, flags);
  }
}

interface Common extends WorkflowTarget {
  requestedBy?: string;
  /** `elasticache` (default) or `memorydb`; the workflow's schema checks it. */
  service?: string;
}

const serviceField = (service: string | undefined) => (service === undefined ? {} : { service });

/**
 * `access-string check`: the normalized form for the engine's catalog (named on stderr), or the
 * error with a caret under the token.
 */
export function checkAccessString(
  accessString: string,
  options: { engine?: string; engineVersion?: string } = {},
): void {
  const engine = {
    engine: (options.engine ?? 'redis') as CacheEngine,
    ...(options.engineVersion === undefined ? {} : { engineVersion: options.engineVersion }),
  };
  let catalog;
  try {
    catalog = catalogFor(engine);
  } catch (error) {
    throw withFlag(error, { engine: '--engine', engineVersion: '--engine-version' });
  }
  process.stderr.write(`command catalog: ${catalog.label} (${catalog.data.source})\n`);
  try {
    out(normalizeAccessString(accessString, { engine }));
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
    auth?: string;
    principal?: string;
  },
): Promise<void> {
  const request = parseRequest<object>(onboardUserRequestSchema, {
    userId: options.userId,
    userName: options.userName ?? options.userId,
    accessString: options.accessString,
    userGroupIds: options.group,
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.principal ? { principalArn: options.principal } : {}),
    ...serviceField(options.service),
    requestedBy: options.requestedBy ?? 'cachegate-cli',
  });
  const output = (await run('onboard-user', request, options)) as {
    userId: string;
    userGroupIds: string[];
    secretArn?: string;
    principalArn?: string;
    policyArn?: string;
  };
  out(`user ${output.userId} is active in ${output.userGroupIds.join(', ')}`);
  if (output.secretArn) out(`password stored in ${output.secretArn}`);
  if (output.policyArn) {
    out(`IAM authentication: ${output.principalArn} may connect (policy ${output.policyArn})`);
    out(`get a token: cachegate connect-token --cache <cache> --user ${output.userId}`);
  }
}

/**
 * `connect-token`: an IAM auth token for `AUTH <user> <token>`, signed with the credentials of
 * the environment (default provider chain), valid 15 minutes. Printed on stdout only.
 */
export async function connectToken(options: {
  cache: string;
  user: string;
  region?: string;
  serverless?: boolean;
}): Promise<void> {
  const { iamAuthTokenFromEnvironment } = await import('../../../functions/aws/iam-auth-token.js');
  out(
    await iamAuthTokenFromEnvironment({
      cacheName: options.cache,
      userId: options.user,
      ...(options.region ? { region: options.region } : {}),
      ...(options.serverless ? { serverless: true } : {}),
    }),
  );
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
    replicationGroup?: string;
    serverlessCache?: string;
    user?: string[];
    userGroup?: string;
    defaultUserId?: string;
    authTokenSecretArn?: string;
    cluster?: string;
    acl?: string;
  },
): Promise<void> {
  const memoryDb = (options.service ?? (options.cluster ? 'memorydb' : 'elasticache')) === 'memorydb';
  const target = memoryDb ? checkMemoryDbFlags(options) : checkElastiCacheFlags(options);
  const flags: Record<string, string> = memoryDb
    ? { replicationGroupId: '--cluster', userGroupId: '--acl' }
    : {};
  const request = parseRequest<object>(
    migrateToRbacRequestSchema,
    {
      ...serviceField(options.service ?? (memoryDb ? 'memorydb' : undefined)),
      ...(target.serverless ? { serverlessCacheName: target.id } : { replicationGroupId: target.id }),
      userIds: options.user ?? [],
      ...(target.group ? { userGroupId: target.group } : {}),
      ...(options.defaultUserId ? { defaultUserId: options.defaultUserId } : {}),
      ...(options.authTokenSecretArn ? { authTokenSecretArn: options.authTokenSecretArn } : {}),
      requestedBy: options.requestedBy ?? 'cachegate-cli',
    },
    flags,
  );
  const output = (await run('migrate-to-rbac', request, options, flags)) as {
    replicationGroupId?: string;
    serverless?: boolean;
    userGroupId?: string;
    defaultUserId?: string;
    clusterName?: string;
    aclName?: string;
    memberIds: string[];
  };
  out(
    memoryDb
      ? `MemoryDB cluster ${output.clusterName} is available with ACL ${output.aclName} (${output.memberIds.join(', ')})`
      : `${output.serverless ? 'serverless cache' : 'replication group'} ${output.replicationGroupId} is available with user group ${output.userGroupId} (${output.memberIds.join(', ')}; default user ${output.defaultUserId})`,
  );
}

/**
 * `finish-migration`: the finish-migration workflow (lock the default user once no client
 * logs in with the old token, or at once with `--force-reason`). The local dry run first migrates
 * the group on its fresh sandbox; it has no connectivity probe, so there only a forced finish locks.
 */
export async function finishMigration(
  options: Common & {
    replicationGroup: string;
    authTokenSecretArn: string;
    windowSeconds?: string;
    forceReason?: string;
    user?: string[];
  },
): Promise<void> {
  const request = parseRequest<{ replicationGroupId: string; authTokenSecretArn: string }>(
    finishMigrationRequestSchema,
    {
      replicationGroupId: options.replicationGroup,
      authTokenSecretArn: options.authTokenSecretArn,
      ...(options.windowSeconds === undefined ? {} : { windowSeconds: wholeNumber(options.windowSeconds) }),
      ...(options.forceReason === undefined ? {} : { forceReason: options.forceReason }),
      requestedBy: options.requestedBy ?? 'cachegate-cli',
    },
  );
  const prelude = {
    workflow: 'migrate-to-rbac',
    input: {
      replicationGroupId: request.replicationGroupId,
      authTokenSecretArn: request.authTokenSecretArn,
      userIds: options.user ?? [],
      requestedBy: options.requestedBy ?? 'cachegate-cli',
    },
  };
  const output = (await run('finish-migration', request, options, {}, prelude)) as {
    replicationGroupId: string;
    defaultUserId: string;
    userGroupId: string;
    forced: boolean;
  };
  out(
    `replication group ${output.replicationGroupId}: default user ${output.defaultUserId} of ${output.userGroupId} is locked${output.forced ? ' (forced)' : ''}; AUTH <token> no longer logs in`,
  );
}

/**
 * `rollback-to-auth`: undo a migration (the user group removed, the token secret's AWSCURRENT set
 * as the AUTH token with SET). With `aws`, on the account of the environment's credentials;
 * otherwise a dry run on a fresh local sandbox that first migrates the group.
 */
export async function rollbackToAuth(options: {
  replicationGroup: string;
  authTokenSecretArn: string;
  requestedBy?: string;
  aws?: boolean;
}): Promise<void> {
  const { randomUUID } = await import('node:crypto');
  const request = parseRequest<{
    replicationGroupId: string;
    authTokenSecretArn: string;
    requestedBy: string;
  }>(rollbackToAuthRequestSchema, {
    replicationGroupId: options.replicationGroup,
    authTokenSecretArn: options.authTokenSecretArn,
    requestedBy: options.requestedBy ?? 'cachegate-cli',
  });
  const sandbox = options.aws ? undefined : await openLocalSandbox();
  try {
    if (sandbox) {
      process.stderr.write(
        `local sandbox (dry run, nothing is kept): migrating ${request.replicationGroupId} first, then rolling back\n`,
      );
      await runLocalWorkflow(sandbox, 'migrate-to-rbac', {
        replicationGroupId: request.replicationGroupId,
        authTokenSecretArn: request.authTokenSecretArn,
      });
    }
    const { rollbackToAuth: rollback } = await import('../../../functions/use-cases/rollback-to-auth.js');
    const result = await rollback(request, {
      owner: `cli-${randomUUID()}`,
      progress: (line) => process.stderr.write(`${line}\n`),
      // Locally the sandbox's clock runs fast: a short real wait is many simulated seconds.
      ...(sandbox ? { sleep: () => new Promise<void>((resolve) => setTimeout(resolve, 20)) } : {}),
    }).catch((error: unknown) => {
      throw withFlag(error);
    });
    out(
      `replication group ${result.replicationGroupId} is back on AUTH (token from version ${result.secretVersionId}); user group ${result.userGroupId} was removed`,
    );
  } finally {
    await sandbox?.close();
  }
}

/** A flag's text as a number when it is one (the schema then checks the range and names the flag). */
function wholeNumber(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** MemoryDB speaks of clusters and ACLs: the ElastiCache flags are refused rather than reinterpreted. */
function checkMemoryDbFlags(options: {
  replicationGroup?: string;
  serverlessCache?: string;
  userGroup?: string;
  cluster?: string;
  acl?: string;
}) {
  if (options.replicationGroup !== undefined)
    throw new ValidationError(
      "is ElastiCache's; name a MemoryDB cluster with --cluster",
      '--replication-group',
    );
  if (options.serverlessCache !== undefined)
    throw new ValidationError("is ElastiCache's; MemoryDB has no serverless caches", '--serverless-cache');
  if (options.userGroup !== undefined)
    throw new ValidationError("is ElastiCache's; name the MemoryDB ACL with --acl", '--user-group');
  if (options.cluster === undefined)
    throw new ValidationError('is required with --service memorydb', '--cluster');
  return { id: options.cluster, group: options.acl, serverless: false };
}

function checkElastiCacheFlags(options: {
  replicationGroup?: string;
  serverlessCache?: string;
  userGroup?: string;
  cluster?: string;
  acl?: string;
}) {
  if (options.cluster !== undefined || options.acl !== undefined)
    throw new ValidationError(
      "--cluster and --acl are MemoryDB's; use --service memorydb",
      options.cluster !== undefined ? '--cluster' : '--acl',
    );
  if (options.replicationGroup !== undefined && options.serverlessCache !== undefined)
    throw new ValidationError(
      'give --replication-group or --serverless-cache, not both',
      '--serverless-cache',
    );
  if (options.serverlessCache !== undefined)
    return { id: options.serverlessCache, group: options.userGroup, serverless: true };
  if (options.replicationGroup === undefined)
    throw new ValidationError('is required (or --serverless-cache)', '--replication-group');
  return { id: options.replicationGroup, group: options.userGroup, serverless: false };
}

/** `user list`: the local sandbox's users, or with `aws` the account's (DescribeUsers). */
export async function listUsers(options: { json?: boolean; aws?: boolean; service?: string }): Promise<void> {
  const { parseCacheServiceOption } = await import('../../../functions/core/rbac/cache-service.js');
  const service = parseCacheServiceOption(options.service);
  const sandbox = options.aws ? undefined : await openLocalSandbox();
  try {
    const { cacheRbac } = await import('../../../functions/aws/cache-rbac.js');
    const [users, groups] = await Promise.all([
      cacheRbac(service).listUsers(),
      cacheRbac(service).listUserGroups(),
    ]);
    // The caches each user reaches: those its groups serve (serverless caches marked).
    const cachesOf = new Map(
      groups.map((group) => [
        group.userGroupId,
        [...group.replicationGroupIds, ...group.serverlessCacheIds.map((name) => `${name}(serverless)`)],
      ]),
    );
    const withCaches = users.map((user) => ({
      ...user,
      caches: [...new Set(user.userGroupIds.flatMap((id) => cachesOf.get(id) ?? []))],
    }));
    if (options.json) {
      out(JSON.stringify(withCaches, null, 2));
      return;
    }
    if (sandbox) process.stderr.write('local sandbox (dry run): the seeded demo account\n');
    for (const user of withCaches) {
      out(
        [
          user.userId.padEnd(24),
          user.userName.padEnd(20),
          user.status.padEnd(10),
          `${user.authenticationType}${user.passwordCount ? `×${user.passwordCount}` : ''}`.padEnd(14),
          (user.userGroupIds.join(',') || '-').padEnd(20),
          (user.caches.join(',') || '-').padEnd(28),
          user.accessString,
        ].join(' '),
      );
    }
  } finally {
    await sandbox?.close();
  }
}

/**
 * `user migrate-to-iam`: password → IAM for an existing ElastiCache user (migrateUserToIam in
 * functions/core/rbac/iam-migration.ts).
 * Locally both workflows run on one fresh sandbox, whose cache answers the probe's `AUTH` with
 * the sandbox's SigV4 check; deployed, the two state machines are started in turn and the user is
 * read with DescribeUsers (credentials from the environment).
 */
export async function migrateUserToIamCommand(options: {
  userId: string;
  iamUserId: string;
  principal: string;
  keepPasswordUser?: boolean;
  requestedBy?: string;
  onboardStateMachineArn?: string;
  offboardStateMachineArn?: string;
  pollSeconds?: number;
}): Promise<void> {
  const { iamMigrationRequestSchema, migrateUserToIam } =
    await import('../../../functions/core/rbac/iam-migration.js');
  const flags = { iamUserId: '--iam-user-id', principalArn: '--principal' };
  const request = parseRequest<import('../../../functions/core/rbac/iam-migration.js').IamMigrationRequest>(
    iamMigrationRequestSchema,
    {
      userId: options.userId,
      iamUserId: options.iamUserId,
      principalArn: options.principal,
      keepPasswordUser: options.keepPasswordUser ?? false,
      requestedBy: options.requestedBy ?? 'cachegate-cli',
    },
    flags,
  );
  const deployed = options.onboardStateMachineArn ?? options.offboardStateMachineArn;
  if (deployed !== undefined && (!options.onboardStateMachineArn || !options.offboardStateMachineArn)) {
    throw new ValidationError(
      'give both state machines (cachegate-onboard-user and cachegate-offboard-user), or neither for a local dry run',
      options.onboardStateMachineArn ? '--offboard-state-machine-arn' : '--onboard-state-machine-arn',
    );
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  // The planning's refusals name request fields: retold with the flags.
  const withFlags = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw withFlag(error, flags);
    }
  };
  const { describeUser, describeUserGroup } = await import('../../../functions/aws/elasticache.js');
  const read = async (userId: string, iamUserId: string) => {
    const [user, iamUser] = await Promise.all([describeUser(userId), describeUser(iamUserId)]);
    return { user, iamUserExists: iamUser !== undefined };
  };
  if (deployed !== undefined) {
    const target = (arn: string) => ({ stateMachineArn: arn, pollSeconds: options.pollSeconds ?? 10 });
    const outcome = await withFlags(() =>
      migrateUserToIam(
        request,
        {
          read,
          onboard: async (input) =>
            (await run('onboard-user', input, target(options.onboardStateMachineArn!), flags)) as never,
          offboard: (input) => run('offboard-user', input, target(options.offboardStateMachineArn!), flags),
        },
        say,
      ),
    );
    printIamMigration(outcome, request.userId);
    return;
  }
  const { runOnSandbox } = await import('./rbac-workflow.js');
  const { outputOf } = await import('../deployed-workflow.js');
  const { seedFunctionsRole, startCacheAuthEndpoint } = await import('../../../local/cache-auth-endpoint.js');
  const sandbox = await openLocalSandbox();
  const probeEnv = ['ROTATION_PROBE_ENDPOINT', 'ROTATION_PROBE_TLS', 'ROTATION_PROBE_CACHE'] as const;
  const saved = probeEnv.map((name) => process.env[name]);
  let endpoint: Awaited<ReturnType<typeof startCacheAuthEndpoint>> | undefined;
  try {
    await seedFunctionsRole(sandbox);
    // The dry run's probe: the first cache the user's groups serve, answered by the sandbox.
    const user = await describeUser(request.userId);
    const group =
      user?.userGroupIds[0] === undefined ? undefined : await describeUserGroup(user.userGroupIds[0]);
    const probeCache = group?.replicationGroupIds[0] ?? group?.serverlessCacheIds[0];
    if (probeCache !== undefined) {
      endpoint = await startCacheAuthEndpoint(sandbox, probeCache, {
        serverless: group?.replicationGroupIds[0] === undefined,
      });
      process.env.ROTATION_PROBE_ENDPOINT = `127.0.0.1:${endpoint.port}`;
      process.env.ROTATION_PROBE_TLS = 'false';
      process.env.ROTATION_PROBE_CACHE = probeCache;
    }
    const local = async (workflow: string, input: unknown) => {
      try {
        return outputOf(workflow, await runOnSandbox(sandbox, workflow, input));
      } catch (error) {
        throw withFlag(error, flags);
      }
    };
    const outcome = await withFlags(() =>
      migrateUserToIam(
        request,
        {
          read,
          onboard: async (input) => (await local('onboard-user', input)) as never,
          offboard: (input) => local('offboard-user', input),
        },
        say,
      ),
    );
    printIamMigration(outcome, request.userId);
  } finally {
    probeEnv.forEach((name, index) => {
      if (saved[index] === undefined) delete process.env[name];
      else process.env[name] = saved[index];
    });
    await endpoint?.close();
    await sandbox.close();
  }
}

function printIamMigration(
  outcome: { iamUserId: string; policyArn: string; verification: string; passwordUserRemoved: boolean },
  userId: string,
): void {
  out(`IAM user ${outcome.iamUserId} is active (policy ${outcome.policyArn}); ${outcome.verification}`);
  out(
    outcome.passwordUserRemoved
      ? `password user ${userId} is deleted; its secret is scheduled for deletion`
      : `password user ${userId} is kept`,
  );
}
