import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeServerlessCachesCommand,
  UserNotFoundFault,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { iamAuthToken } from '../../functions/aws/iam-auth-token.js';
import {
  startCacheAuthEndpoint,
  seedFunctionsRole,
  type CacheAuthEndpoint,
} from '../../local/cache-auth-endpoint.js';
import { LocalStateMachine } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { authenticateWithIamToken } from '../../local/sandbox/models/elasticache/iam-auth.js';
import type { IamModel } from '../../local/sandbox/models/iam.js';
import {
  cacheUser,
  causeOf,
  createElastiCacheWorld,
  entered,
  expectNoPasswordLeak,
  userGroup,
  type WorkflowRuns,
} from './rbac-fixture.js';
import { clearProbe, pointProbeAt } from './rotate-fixtures.js';

/**
 * Serverless caches on the real ASL: migrate-to-rbac attaches a first user group to a Valkey
 * serverless cache (ModifyServerlessCache UserGroupId), onboard-user and offboard-user change the
 * group and wait until the serverless cache took the change in, the access string is checked
 * against the serverless cache's engine and major version, an IAM user is granted on the
 * serverless cache's ARN and verified through the probe with a generated token, and a password
 * user in such a group rotates.
 */
let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let workflows: WorkflowRuns;
let iam: IamModel;
let appRole: string;
let probe: CacheAuthEndpoint;
const passwords = new Map<string, readonly string[]>();

const VK = 'vk-serverless';
const VK_GROUP = 'vk-serverless-users';
const VK_ARN = `arn:aws:elasticache:us-east-1:000000000000:serverlesscache:${VK}`;
/** Long enough that a workflow not waiting for the serverless cache ends well before it is available. */
const SYNC_MS = 600_000;

async function serverlessCache(name: string) {
  const { ServerlessCaches = [] } = await elastiCache.send(
    new DescribeServerlessCachesCommand({ ServerlessCacheName: name }),
  );
  return ServerlessCaches[0];
}

beforeAll(async () => {
  ({ sandbox, model, elastiCache, workflows } = await createElastiCacheWorld());
  iam = sandbox.model<IamModel>('IAM');
  appRole = iam.seedPrincipal('role', 'sessions-app');
  model.onUserChanged = (user, current) => {
    passwords.set(user.UserId ?? '', current);
  };
  await seedFunctionsRole(sandbox);
  model.seedUser({
    userId: 'sl-app',
    userName: 'sl-app',
    engine: 'valkey',
    accessString: 'on ~app:* -@all +@read',
    passwords: ['a-password-of-sl-app-00001'],
  });
  model.seedUserGroup({ id: 'default-users', userIds: ['default'] });
  model.seedServerlessCache({ name: VK, engine: 'valkey' });
  model.seedServerlessCache({ name: 'rd-serverless', engine: 'redis', userGroupId: 'default-users' });
  probe = await startCacheAuthEndpoint(sandbox, VK, {
    serverless: true,
    passwordsOf: (userId) => passwords.get(userId),
  });
  pointProbeAt(probe.port, { cache: VK });
  for (const name of ['migrate-to-rbac', 'onboard-user', 'offboard-user']) workflows.load(name);
}, 60_000);

afterAll(async () => {
  clearProbe();
  await probe?.close();
  await sandbox.close();
});

describe('serverless caches (real ASL)', () => {
  it('migrate-to-rbac refuses, before any change, what a serverless cache cannot take', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ serverlessCacheName: 'nope' }, /^serverlessCacheName: serverless cache nope does not exist/],
      [
        { serverlessCacheName: 'rd-serverless' },
        /serverless cache rd-serverless already uses user group default-users/,
      ],
      [
        {
          serverlessCacheName: VK,
          authTokenSecretArn:
            'arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/x',
        },
        /authTokenSecretArn: serverless cache vk-serverless has no AUTH token/,
      ],
      [
        { serverlessCacheName: VK, replicationGroupId: 'x' },
        /give either replicationGroupId or serverlessCacheName/,
      ],
    ];
    for (const [input, message] of cases) {
      const run = await workflows.run('migrate-to-rbac', { userIds: ['sl-app'], ...input });
      expect([run.status, run.error]).toEqual(['FAILED', 'MigrateToRbac.InvalidInput']);
      expect(causeOf(run)).toMatch(message);
    }
    expect((await serverlessCache(VK))?.UserGroupId).toBeUndefined();
  });

  it('migrate-to-rbac gives a Valkey serverless cache its first user group: a locked default user and the named users', async () => {
    const run = await workflows.run('migrate-to-rbac', { serverlessCacheName: VK, userIds: ['sl-app'] });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(run.output).toMatchObject({
      replicationGroupId: VK,
      serverless: true,
      userGroupId: VK_GROUP,
      memberIds: [`${VK_GROUP}-default`, 'sl-app'],
      status: 'available',
    });
    expect(await serverlessCache(VK)).toMatchObject({
      Status: 'available',
      UserGroupId: VK_GROUP,
      Engine: 'valkey',
    });
    expect(await userGroup(elastiCache, VK_GROUP)).toMatchObject({
      Engine: 'valkey',
      ServerlessCaches: [VK],
      ReplicationGroups: [],
    });
    expect((await cacheUser(elastiCache, `${VK_GROUP}-default`))?.AccessString).toMatch(/^off/);
  });

  it('onboard-user checks the access string against the serverless cache engine and major version', async () => {
    model.seedUserGroup({ id: 'rd-users', userIds: ['default'] });
    model.seedServerlessCache({ name: 'rd-cache', engine: 'redis', userGroupId: 'rd-users' });
    const run = await workflows.run('onboard-user', {
      userId: 'rd-aof',
      userName: 'rd-aof',
      accessString: 'on ~app:* -@all +@read +waitaof',
      userGroupIds: ['rd-users'],
    });
    expect([run.status, run.error]).toEqual(['FAILED', 'OnboardUser.InvalidInput']);
    expect(causeOf(run)).toMatch(/waitaof.*\(serverless cache rd-cache\)/);
    await expect(cacheUser(elastiCache, 'rd-aof')).rejects.toThrow(UserNotFoundFault);
  });

  it('onboard-user into the serverless cache group ends only once the serverless cache took the change in', async () => {
    model.delays.serverlessUserGroupSync = SYNC_MS;
    const started = sandbox.clock.nowMs();
    const run = await workflows.run('onboard-user', {
      userId: 'sl-reader',
      userName: 'sl-reader',
      engine: 'valkey',
      accessString: 'on ~app:* -@all +@read +waitaof',
      userGroupIds: [VK_GROUP],
    });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(sandbox.clock.nowMs() - started).toBeGreaterThanOrEqual(SYNC_MS);
    expect(await serverlessCache(VK)).toMatchObject({ Status: 'available' });
    expect((await cacheUser(elastiCache, 'sl-reader'))?.UserGroupIds).toEqual([VK_GROUP]);
    model.delays.serverlessUserGroupSync = 20_000;
  });

  it('an IAM user on a serverless cache: granted on its ARN, verified through the probe with a generated token', async () => {
    const run = await workflows.run('onboard-user', {
      userId: 'sl-iam',
      userName: 'sl-iam',
      engine: 'valkey',
      auth: 'iam',
      principalArn: appRole,
      accessString: 'on ~session:* -@all +@read',
      userGroupIds: [VK_GROUP],
    });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(run.output).toMatchObject({
      userId: 'sl-iam',
      iamVerification: { result: 'accepted' },
    });
    expect(entered(run, 'VerifyIamUser')).toBe(1);
    expect(probe.attempts.at(-1)).toEqual({
      userName: 'sl-iam',
      result: { ok: true, principalArn: expect.stringContaining(':role/cachegate-functions') },
    });
    const policyArn = (run.output as { policyArn: string }).policyArn;
    expect(JSON.parse(iam.policyDocument(policyArn) ?? '').Statement[0].Resource).toEqual([
      VK_ARN,
      'arn:aws:elasticache:us-east-1:000000000000:user:sl-iam',
    ]);
    // The application's own token: ResourceType=ServerlessCache, checked by the sandbox.
    const credentials = iam.issueAccessKey(appRole);
    const sign = (serverless: boolean) =>
      iamAuthToken({
        cacheName: VK,
        userId: 'sl-iam',
        region: sandbox.region,
        credentials,
        serverless,
        signingDate: new Date(sandbox.clock.nowMs()),
      });
    expect(
      await authenticateWithIamToken(sandbox, { cacheId: VK, userName: 'sl-iam', token: await sign(true) }),
    ).toEqual({
      ok: true,
      principalArn: appRole,
    });
    expect(
      await authenticateWithIamToken(sandbox, { cacheId: VK, userName: 'sl-iam', token: await sign(false) }),
    ).toMatchObject({ ok: false, reason: `no replication group ${VK}` });
  });

  it('the probe refuses an IAM user when the signer may not connect: onboarding fails after its retries', async () => {
    const functionsRole = 'arn:aws:iam::000000000000:role/cachegate-functions';
    const [grant] = iam.attachedPolicies(functionsRole);
    await sandbox.dispatch('IAM', 'DetachRolePolicy', { RoleName: 'cachegate-functions', PolicyArn: grant });
    try {
      const run = await workflows.run('onboard-user', {
        userId: 'sl-iam-2',
        userName: 'sl-iam-2',
        engine: 'valkey',
        auth: 'iam',
        principalArn: appRole,
        accessString: 'on ~session:* -@all +@read',
        userGroupIds: [VK_GROUP],
      });
      expect([run.status, run.error]).toEqual(['FAILED', 'OnboardUser.Failed']);
      expect(causeOf(run)).toMatch(/refused AUTH sl-iam-2 with a fresh IAM auth token/);
      expect(entered(run, 'VerifyIamUser')).toBe(1);
      expect(probe.attempts.filter((a) => a.userName === 'sl-iam-2').length).toBeGreaterThan(1);
      expect(probe.attempts.at(-1)?.result).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/not allowed elasticache:Connect/),
      });
      // The user was created and granted before the refusal: offboarding removes both.
      const cleanUp = await workflows.run('offboard-user', { userId: 'sl-iam-2' });
      expect([cleanUp.status, causeOf(cleanUp)]).toEqual(['SUCCEEDED', '']);
    } finally {
      await sandbox.dispatch('IAM', 'AttachRolePolicy', {
        RoleName: 'cachegate-functions',
        PolicyArn: grant,
      });
    }
  });

  it('a password user in the serverless cache group rotates', async () => {
    const machine = LocalStateMachine.load('rotate-password', { sandbox });
    const run = await workflows.record(machine.run({ userId: 'sl-reader', requestedBy: 'alice' }));
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect((await cacheUser(elastiCache, 'sl-reader'))?.Authentication).toEqual({
      Type: 'password',
      PasswordCount: 2,
    });
  });

  it('offboard-user takes the user out of the serverless cache group, waits for the cache, removes the grant', async () => {
    model.delays.serverlessUserGroupSync = SYNC_MS;
    const started = sandbox.clock.nowMs();
    const run = await workflows.run('offboard-user', { userId: 'sl-iam', requestedBy: 'alice' });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(sandbox.clock.nowMs() - started).toBeGreaterThanOrEqual(SYNC_MS);
    await expect(cacheUser(elastiCache, 'sl-iam')).rejects.toThrow(UserNotFoundFault);
    expect(iam.attachedPolicies(appRole)).toEqual([]);
    expect((await userGroup(elastiCache, VK_GROUP))?.UserIds).not.toContain('sl-iam');
    model.delays.serverlessUserGroupSync = 20_000;
  });

  it('no password in any execution or event', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 2);
  });
});
