import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UserNotFoundFault, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { describeUser } from '../../functions/aws/elasticache.js';
import { iamAuthToken } from '../../functions/aws/iam-auth-token.js';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors.js';
import {
  iamMigrationRequestSchema,
  IamUserNotVerifiedError,
  migrateUserToIam,
  type IamMigrationSteps,
} from '../../functions/core/rbac/iam-migration.js';
import type { OnboardUserRequest } from '../../functions/core/rbac/onboarding.js';
import { outputOf } from '../../bin/cli/deployed-workflow.js';
import {
  seedFunctionsRole,
  startCacheAuthEndpoint,
  type CacheAuthEndpoint,
} from '../../local/cache-auth-endpoint.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { authenticateWithIamToken } from '../../local/sandbox/models/elasticache/iam-auth.js';
import type { IamModel } from '../../local/sandbox/models/iam.js';
import {
  cacheUser,
  createElastiCacheWorld,
  expectNoPasswordLeak,
  type WorkflowRuns,
} from './rbac-fixture.js';
import { clearProbe, pointProbeAt } from './rotate-fixtures.js';

/**
 * Password → IAM (`cachegate user migrate-to-iam`, migrateUserToIam in functions/core/rbac/iam-migration.ts) on the real ASL of
 * onboard-user and offboard-user: the IAM user beside the password user, verified through the
 * probe with a generated token (the sandbox's cache checks the SigV4 signature), then the password
 * user offboarded; refusals before any change; a verification that cannot happen keeps the
 * password user.
 */
let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
let iam: IamModel;
let appRole: string;
let probe: CacheAuthEndpoint;
const steps: string[] = [];

const local: IamMigrationSteps = {
  read: async (userId, iamUserId) => ({
    user: await describeUser(userId),
    iamUserExists: (await describeUser(iamUserId)) !== undefined,
  }),
  onboard: async (request: OnboardUserRequest) =>
    outputOf('onboard-user', await workflows.run('onboard-user', request)) as never,
  offboard: async (request) => outputOf('offboard-user', await workflows.run('offboard-user', request)),
};

const migrate = (input: Record<string, unknown>) =>
  migrateUserToIam(
    iamMigrationRequestSchema.parse({ principalArn: appRole, requestedBy: 'alice', ...input }),
    local,
    (line) => steps.push(line),
  );

/** A password user with its cachegate secret, onboarded by the workflow into `orders-users`. */
async function passwordUser(userId: string) {
  const run = await workflows.run('onboard-user', {
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds: ['orders-users'],
  });
  expect(run.status).toBe('SUCCEEDED');
}

beforeAll(async () => {
  ({ sandbox, model, elastiCache, secrets, workflows } = await createElastiCacheWorld());
  iam = sandbox.model<IamModel>('IAM');
  appRole = iam.seedPrincipal('role', 'orders-app');
  await seedFunctionsRole(sandbox);
  model.seedUserGroup({ id: 'orders-users', userIds: ['default'] });
  model.seedReplicationGroup({ id: 'orders-cache', transitEncryption: true, userGroupIds: ['orders-users'] });
  model.seedUser({
    userId: 'lonely',
    userName: 'lonely',
    accessString: 'on ~a:* +get',
    passwords: ['a-lonely-password-00001'],
  });
  probe = await startCacheAuthEndpoint(sandbox, 'orders-cache');
  for (const name of ['onboard-user', 'offboard-user']) workflows.load(name);
  await passwordUser('orders-app');
  await passwordUser('orders-batch');
}, 60_000);

afterAll(async () => {
  clearProbe();
  await probe?.close();
  await sandbox.close();
});

const withProbe = () => pointProbeAt(probe.port, { cache: 'orders-cache' });

describe('password → IAM migration (onboard-user + offboard-user, real ASL)', () => {
  it('refuses before any change', async () => {
    await expect(migrate({ userId: 'orders-app', iamUserId: 'orders-app' })).rejects.toThrow(
      new ValidationError(
        'the IAM user is a new user beside the password user: give it another ID',
        'iamUserId',
      ),
    );
    await expect(migrate({ userId: 'nobody', iamUserId: 'nobody-iam' })).rejects.toThrow(NotFoundError);
    await expect(migrate({ userId: 'default', iamUserId: 'default-iam' })).rejects.toThrow(
      /is a default user/,
    );
    await expect(migrate({ userId: 'lonely', iamUserId: 'lonely-iam' })).rejects.toThrow(
      /is in no user group/,
    );
    await expect(migrate({ userId: 'orders-app', iamUserId: 'orders-batch' })).rejects.toThrow(ConflictError);
    for (const id of ['nobody-iam', 'default-iam', 'lonely-iam'])
      await expect(cacheUser(elastiCache, id)).rejects.toThrow(UserNotFoundFault);
  });

  it('without a probe the IAM user is created but not verified: the password user is kept', async () => {
    await expect(migrate({ userId: 'orders-batch', iamUserId: 'orders-batch-iam' })).rejects.toThrow(
      IamUserNotVerifiedError,
    );
    expect((await cacheUser(elastiCache, 'orders-batch'))?.Authentication?.Type).toBe('password');
    expect((await cacheUser(elastiCache, 'orders-batch-iam'))?.Authentication?.Type).toBe('iam');
  });

  it('creates the IAM user beside it, verifies it through the probe, then offboards the password user', async () => {
    withProbe();
    const outcome = await migrate({ userId: 'orders-app', iamUserId: 'orders-app-iam' });
    expect(outcome).toMatchObject({ iamUserId: 'orders-app-iam', passwordUserRemoved: true });
    expect(outcome.verification).toMatch(/accepted by orders-cache/);
    expect(probe.attempts.at(-1)).toMatchObject({ userName: 'orders-app-iam', result: { ok: true } });
    const iamUser = await cacheUser(elastiCache, 'orders-app-iam');
    expect(iamUser).toMatchObject({
      Authentication: { Type: 'iam' },
      UserGroupIds: ['orders-users'],
      AccessString: expect.stringContaining('~orders:*'),
    });
    await expect(cacheUser(elastiCache, 'orders-app')).rejects.toThrow(UserNotFoundFault);
    const secret = await secrets.send(
      new DescribeSecretCommand({ SecretId: 'cachegate/elasticache/users/orders-app' }),
    );
    expect(secret.DeletedDate).toBeDefined();
    // The application's role now connects with a token of its own.
    const token = await iamAuthToken({
      cacheName: 'orders-cache',
      userId: 'orders-app-iam',
      region: sandbox.region,
      credentials: iam.issueAccessKey(appRole),
      signingDate: new Date(sandbox.clock.nowMs()),
    });
    expect(
      await authenticateWithIamToken(sandbox, { cacheId: 'orders-cache', userName: 'orders-app-iam', token }),
    ).toEqual({ ok: true, principalArn: appRole });
  });

  it('refuses a user that authenticates with IAM already', async () => {
    await expect(migrate({ userId: 'orders-app-iam', iamUserId: 'x-iam' })).rejects.toThrow(
      /authenticates with IAM already: nothing to migrate/,
    );
  });

  it('no password in any execution or event', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 2);
    expect(steps.join('\n')).not.toMatch(/password=|Passwords/);
  });
});
