import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runWorkflow } from '../../bin/cli/rbac/rbac-workflow.js';
import { createTables } from '../../local/sandbox/tables.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { RBAC_DEMO, seedRbacDemo } from '../../local/sandbox/models/elasticache/seed.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { registerWorkflows, stateMachineArn } from '../../local/workflows.js';
import { runCli } from './run-cli.js';

const cachegate = (...args: string[]) => runCli(args);

describe('cachegate access-string check', () => {
  it('prints the normalized form of a valid access string', async () => {
    const result = await cachegate('access-string', 'check', 'on ~orders:* -@all +@read');
    expect(result).toMatchObject({ status: 0, stdout: 'on ~orders:* -@all +@read\n' });
  });

  it('rewrites a string AWS would rewrite, so equal meanings print equal', async () => {
    const result = await cachegate('access-string', 'check', 'on ~orders:* +@read -@all');
    expect(result).toMatchObject({ status: 0, stdout: 'on ~orders:* -@all\n' });
  });

  it('points at the bad token and exits 2, without echoing a password', async () => {
    const result = await cachegate('access-string', 'check', 'on ~* >hunter2-secret +@all');
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'token 3 ">…" at position 6: passwords cannot be part of an access string',
    );
    expect(result.stderr).toContain('  on ~* >… +@all\n        ^\n');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('names an unknown command', async () => {
    const result = await cachegate('access-string', 'check', 'on ~* +@all -flushal');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/token 4 "-flushal" at position 12: unknown command/);
  });
});

describe('cachegate user / migrate-to-rbac on the local sandbox', () => {
  it('user create runs onboard-user and prints the secret ARN, never the password', async () => {
    const result = await cachegate(
      'user',
      'create',
      '--user-id',
      'carol',
      '--access-string',
      'on ~orders:* -@all +@read',
      '--group',
      RBAC_DEMO.userGroup,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^user carol is active in orders-users\n/);
    expect(result.stdout).toMatch(
      /password stored in arn:aws:secretsmanager:.*:secret:cachegate\/elasticache\/users\/carol-/,
    );
    expect(result.stderr).toContain('onboard-user › CreateCacheUser');
    expect(result.stderr).toContain('dry run');
  });

  it('user delete runs offboard-user on a seeded user', async () => {
    const result = await cachegate('user', 'delete', '--user-id', RBAC_DEMO.user);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`user ${RBAC_DEMO.user} is deleted`);
  });

  it('user list --json lists the seeded account: nothing an earlier invocation did is kept', async () => {
    const result = await cachegate('user', 'list', '--json');
    expect(result.status).toBe(0);
    const users = JSON.parse(result.stdout) as { userId: string; userGroupIds: string[] }[];
    expect(users.map((u) => u.userId)).toEqual(['default', RBAC_DEMO.user, RBAC_DEMO.unassignedUser]);
    // Each user with the caches its groups serve.
    expect(users.find((u) => u.userId === RBAC_DEMO.user)).toMatchObject({
      caches: [RBAC_DEMO.rbacReplicationGroup],
    });
    expect(JSON.stringify(users)).not.toMatch(/"passwords?":/);
  });

  it('migrate-to-rbac --serverless-cache attaches a first user group to a serverless cache', async () => {
    const result = await cachegate(
      'migrate-to-rbac',
      '--serverless-cache',
      RBAC_DEMO.serverlessCache,
      '--user',
      RBAC_DEMO.unassignedUser,
    );
    expect(result.stderr).toContain('migrate-to-rbac › AttachUserGroup');
    expect([result.status, result.stdout]).toEqual([
      0,
      `serverless cache ${RBAC_DEMO.serverlessCache} is available with user group ${RBAC_DEMO.serverlessCache}-users (${RBAC_DEMO.serverlessCache}-users-default, ${RBAC_DEMO.unassignedUser}; default user ${RBAC_DEMO.serverlessCache}-users-default)\n`,
    ]);
    const both = await cachegate('migrate-to-rbac', '--serverless-cache', 'x', '--replication-group', 'y');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(
      /^cachegate: --serverless-cache: give --replication-group or --serverless-cache, not both/m,
    );
  });

  it('user migrate-to-iam: an IAM user beside the password user, verified by the probe, then the password user offboarded', async () => {
    const result = await cachegate(
      'user',
      'migrate-to-iam',
      '--user-id',
      RBAC_DEMO.user,
      '--iam-user-id',
      `${RBAC_DEMO.user}-iam`,
      '--principal',
      RBAC_DEMO.iamRole,
    );
    expect(result.stderr).toContain('onboard-user › VerifyIamUser');
    expect(result.stderr).toContain('offboard-user › DeleteCacheUser');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^IAM user ${RBAC_DEMO.user}-iam is active \\(policy arn:aws:iam::000000000000:policy/cachegate/cachegate-elasticache-connect-${RBAC_DEMO.user}-iam\\); AUTH ${RBAC_DEMO.user}-iam with an IAM auth token accepted by orders-cache\n`,
      ),
    );
    expect(result.stdout).toContain(`password user ${RBAC_DEMO.user} is deleted`);
    const refused = await cachegate(
      'user',
      'migrate-to-iam',
      '--user-id',
      RBAC_DEMO.unassignedUser,
      '--iam-user-id',
      'app-iam',
      '--principal',
      RBAC_DEMO.iamRole,
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^cachegate: --user-id: user legacy-app is in no user group/m);
  });

  describe('--service memorydb (the demo account has the same names as ACL, users and cluster)', () => {
    it('user create makes a MemoryDB user in the ACL, its secret under the MemoryDB prefix', async () => {
      const result = await cachegate(
        'user',
        'create',
        '--service',
        'memorydb',
        '--user-id',
        'carol',
        '--access-string',
        'on ~orders:* -@all +@read',
        '--group',
        RBAC_DEMO.userGroup,
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^user carol is active in orders-users\n/);
      expect(result.stdout).toMatch(
        /password stored in arn:aws:secretsmanager:.*:secret:cachegate\/memorydb\/users\/carol-/,
      );
    });

    it('user create refuses a user name that differs from the ID (MemoryDB has only names)', async () => {
      const result = await cachegate(
        'user',
        'create',
        '--service',
        'memorydb',
        '--user-id',
        'carol',
        '--user-name',
        'carl',
        '--access-string',
        'on ~orders:* -@all +@read',
        '--group',
        RBAC_DEMO.userGroup,
      );
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^cachegate: --user-name: MemoryDB users have no separate ID/m);
    });

    it('user delete and user list work on the MemoryDB side', async () => {
      const deleted = await cachegate('user', 'delete', '--service', 'memorydb', '--user-id', RBAC_DEMO.user);
      expect(deleted.status).toBe(0);
      expect(deleted.stdout).toContain(`user ${RBAC_DEMO.user} is deleted`);
      const listed = await cachegate('user', 'list', '--service', 'memorydb', '--json');
      expect(listed.status).toBe(0);
      const users = JSON.parse(listed.stdout) as { userId: string; userGroupIds: string[] }[];
      expect(users.find((u) => u.userId === RBAC_DEMO.user)?.userGroupIds).toEqual([RBAC_DEMO.userGroup]);
    });

    it('migrate-to-rbac --cluster moves a MemoryDB cluster off open-access onto a new ACL', async () => {
      const result = await cachegate(
        'migrate-to-rbac',
        '--cluster',
        RBAC_DEMO.authReplicationGroup,
        '--user',
        RBAC_DEMO.unassignedUser,
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(
        `MemoryDB cluster ${RBAC_DEMO.authReplicationGroup} is available with ACL ${RBAC_DEMO.authReplicationGroup}-acl (${RBAC_DEMO.unassignedUser})\n`,
      );
      expect(result.stderr).toContain('migrate-to-rbac › AttachUserGroup');
      expect(result.stderr).not.toContain('CreateDefaultUser');
    });

    it('migrate-to-rbac names MemoryDB flags in its errors and refuses the ElastiCache ones', async () => {
      const plaintext = await cachegate(
        'migrate-to-rbac',
        '--cluster',
        RBAC_DEMO.plaintextReplicationGroup,
        '--user',
        RBAC_DEMO.unassignedUser,
      );
      expect(plaintext.status).toBe(2);
      expect(plaintext.stderr).toMatch(
        /^cachegate: --cluster: MemoryDB cluster plaintext-cache has in-transit/m,
      );
      const noUser = await cachegate('migrate-to-rbac', '--cluster', RBAC_DEMO.authReplicationGroup);
      expect(noUser.status).toBe(2);
      expect(noUser.stderr).toMatch(/^cachegate: --user: give at least one user/m);
      const mixed = await cachegate('migrate-to-rbac', '--service', 'memorydb', '--replication-group', 'x');
      expect(mixed.status).toBe(2);
      expect(mixed.stderr).toMatch(/^cachegate: --replication-group: is ElastiCache's/m);
    });

    it('an unknown service exits 2 naming --service, and nothing runs', async () => {
      const result = await cachegate('user', 'list', '--service', 'redis');
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^cachegate: --service: must be elasticache or memorydb/m);
      expect(result.stderr).not.toContain('dry run');
    });
  });

  it('migrate-to-rbac attaches a new user group to an AUTH replication group', async () => {
    const withoutToken = await cachegate(
      'migrate-to-rbac',
      '--replication-group',
      RBAC_DEMO.authReplicationGroup,
      '--user',
      RBAC_DEMO.unassignedUser,
    );
    expect(withoutToken.status).toBe(2);
    expect(withoutToken.stderr).toMatch(
      /^cachegate: --auth-token-secret-arn: replication group legacy-cache uses an AUTH token/m,
    );
    const result = await cachegate(
      'migrate-to-rbac',
      '--replication-group',
      RBAC_DEMO.authReplicationGroup,
      '--auth-token-secret-arn',
      RBAC_DEMO.authTokenSecretArn,
      '--user',
      RBAC_DEMO.unassignedUser,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'replication group legacy-cache is available with user group legacy-cache-users (legacy-cache-users-default, legacy-app',
    );
  });

  it('finish-migration: the local dry run migrates first; forced, it locks default; unforced, it needs the probe', async () => {
    const common = [
      'finish-migration',
      '--replication-group',
      RBAC_DEMO.authReplicationGroup,
      '--auth-token-secret-arn',
      RBAC_DEMO.authTokenSecretArn,
    ];
    const forced = await cachegate(...common, '--force-reason', 'the token was pasted in a ticket');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toBe(
      'replication group legacy-cache: default user legacy-cache-users-default of legacy-cache-users is locked (forced); AUTH <token> no longer logs in\n',
    );
    expect(forced.stderr).toMatch(/first migrate-to-rbac/);
    expect(forced.stderr).toMatch(/finish-migration › LockDefaultUser/);
    // The local sandbox has no connectivity probe: an unforced finish cannot look, and says so.
    const unforced = await cachegate(...common, '--window-seconds', '0');
    expect(unforced.status).toBe(1);
    expect(unforced.stderr).toMatch(/no connectivity probe is configured/);
    expect(unforced.stdout).toBe('');
  });

  it('rollback-to-auth: the local dry run migrates the group, then puts it back on AUTH with the token secret', async () => {
    const result = await cachegate(
      'rollback-to-auth',
      '--replication-group',
      RBAC_DEMO.authReplicationGroup,
      '--auth-token-secret-arn',
      RBAC_DEMO.authTokenSecretArn,
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^replication group legacy-cache is back on AUTH \(token from version [0-9a-f-]+\); user group legacy-cache-users was removed\n$/,
    );
    expect(result.stderr).toMatch(/migrating legacy-cache first, then rolling back/);
  });

  it.each([
    [
      'rollback-to-auth with a secret outside the token prefix',
      [
        'rollback-to-auth',
        '--replication-group',
        'legacy-cache',
        '--auth-token-secret-arn',
        'arn:aws:secretsmanager:us-east-1:000000000000:secret:elsewhere',
      ],
      /^cachegate: --auth-token-secret-arn: must be the ARN/m,
    ],
    [
      'finish with a reason too short to record',
      [
        'finish-migration',
        '--replication-group',
        'legacy-cache',
        '--auth-token-secret-arn',
        RBAC_DEMO.authTokenSecretArn,
        '--force-reason',
        'because',
      ],
      /^cachegate: --force-reason: must say why/m,
    ],
    [
      'finish with a window that is not a number of seconds',
      [
        'finish-migration',
        '--replication-group',
        'legacy-cache',
        '--auth-token-secret-arn',
        RBAC_DEMO.authTokenSecretArn,
        '--window-seconds',
        'soon',
      ],
      /^cachegate: --window-seconds: /m,
    ],
    [
      'a malformed user ID (refused before any workflow starts)',
      ['user', 'create', '--user-id', '1bad', '--access-string', 'on', '--group', 'orders-users'],
      /^cachegate: --user-id: must be 1-40 letters/m,
    ],
    [
      'an invalid access string',
      ['user', 'create', '--user-id', 'dave', '--access-string', 'on reset', '--group', 'orders-users'],
      /^cachegate: --access-string: .*token 2 "reset"/m,
    ],
    [
      'an unknown user group',
      ['user', 'create', '--user-id', 'dave', '--access-string', 'on', '--group', 'orders-users', 'nope'],
      /^cachegate: --group.1: user group nope does not exist/m,
    ],
    [
      'a user that does not exist',
      ['user', 'delete', '--user-id', 'ghost'],
      /^cachegate: --user-id: user ghost does not exist/m,
    ],
    [
      'a replication group without TLS',
      ['migrate-to-rbac', '--replication-group', RBAC_DEMO.plaintextReplicationGroup],
      /^cachegate: --replication-group: replication group plaintext-cache has in-transit encryption \(TLS\) off/m,
    ],
    ['a missing required option', ['user', 'create', '--user-id', 'dave'], /required option/],
  ])('bad input exits 2: %s', async (_, args, message) => {
    const result = await cachegate(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});

describe('--state-machine-arn: the deployed workflow through StartExecution / DescribeExecution', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    sandbox = await createSandbox({ speed: 2000 });
    await createTables();
    await seedRbacDemo(
      sandbox.model<ElastiCacheModel>('ElastiCache'),
      sandbox.model<SecretsManagerModel>('Secrets Manager'),
    );
    registerWorkflows({ sandbox });
  });
  afterAll(async () => sandbox.close());

  it('starts the execution and polls it until it succeeds', async () => {
    const secretsBefore = sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings().length;
    const output = await runWorkflow(
      'onboard-user',
      { userId: 'erin', userName: 'erin', accessString: 'on ~* +@read', userGroupIds: ['orders-users'] },
      { stateMachineArn: stateMachineArn(sandbox, 'onboard-user'), pollSeconds: 1 },
    );
    expect(output).toMatchObject({ userId: 'erin', status: 'active' });
    // One new secret: erin's (the demo account already keeps legacy-cache's AUTH token in one).
    expect(sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings()).toHaveLength(
      secretsBefore + 1,
    );
  });

  it('finish-migration starts the deployed finish-migration and reports the lock', async () => {
    await runWorkflow(
      'migrate-to-rbac',
      { replicationGroupId: 'legacy-cache', authTokenSecretArn: RBAC_DEMO.authTokenSecretArn },
      { stateMachineArn: stateMachineArn(sandbox, 'migrate-to-rbac'), pollSeconds: 1 },
    );
    const { finishMigration } = await import('../../bin/cli/rbac/rbac-actions.js');
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) =>
      printed.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await finishMigration({
        replicationGroup: 'legacy-cache',
        authTokenSecretArn: RBAC_DEMO.authTokenSecretArn,
        forceReason: 'the token was pasted in a ticket',
        stateMachineArn: stateMachineArn(sandbox, 'finish-migration'),
        pollSeconds: 1,
      });
    } finally {
      process.stdout.write = write;
    }
    expect(printed.join('')).toContain(
      'default user legacy-cache-users-default of legacy-cache-users is locked (forced)',
    );
    await sandbox.model<ElastiCacheModel>('ElastiCache').settle();
    const { describeUser } = await import('../../functions/aws/elasticache.js');
    expect((await describeUser('legacy-cache-users-default'))?.accessString).toMatch(/^off/);
  });

  it('a refused request is a ValidationError (exit 2) with the validation step’s message', async () => {
    await expect(
      runWorkflow(
        'onboard-user',
        { userId: 'erin', userName: 'erin2', accessString: 'on', userGroupIds: ['orders-users'] },
        { stateMachineArn: stateMachineArn(sandbox, 'onboard-user'), pollSeconds: 1 },
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      exitCode: 2,
      message: 'userId: user ID erin is already taken',
    });
  });
});

describe('cachegate connect-token', () => {
  // The operator's own identity (the default credential chain), never the sandbox's.
  const operator = {
    AWS_ACCESS_KEY_ID: 'AKIAOPERATOR000TEST1',
    AWS_SECRET_ACCESS_KEY: 'operator-secret-key-never-printed',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_PROFILE: '',
  };

  it('prints a presigned connect request for the cache and user, signed with the environment credentials', async () => {
    const run = await runCli(
      ['connect-token', '--cache', 'orders', '--user', 'app-iam', '--region', 'eu-west-1', '--serverless'],
      operator,
    );
    expect(run.status).toBe(0);
    const token = run.stdout.trim();
    const url = new URL(`http://${token}`);
    expect(url.host).toBe('orders');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('User')).toBe('app-iam');
    expect(url.searchParams.get('ResourceType')).toBe('ServerlessCache');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAOPERATOR000TEST1\/\d{8}\/eu-west-1\/elasticache\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout + run.stderr).not.toContain('operator-secret-key');
  });

  it('refuses, naming --region, when no region is configured anywhere', async () => {
    const run = await runCli(['connect-token', '--cache', 'orders', '--user', 'app-iam'], {
      ...operator,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--region');
  });
});
