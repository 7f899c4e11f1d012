import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UserNotFoundFault, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { iamAuthToken } from '../../functions/aws/iam-auth-token.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { authenticateWithIamToken } from '../../local/sandbox/models/elasticache/iam-auth.js';
import type { IamModel } from '../../local/sandbox/models/iam.js';
import { cacheUser, causeOf, createElastiCacheWorld, entered, type WorkflowRuns } from './rbac-fixture.js';

let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
let iam: IamModel;
let appRole: string;
let otherRole: string;

const POLICY_ARN = 'arn:aws:iam::000000000000:policy/cachegate/cachegate-elasticache-connect-app-iam';
const CACHE_ARN = 'arn:aws:elasticache:us-east-1:000000000000:replicationgroup:vk-cache';
const USER_ARN = 'arn:aws:elasticache:us-east-1:000000000000:user:app-iam';

const onboardIam = (extra: Record<string, unknown> = {}) =>
  workflows.run('onboard-user', {
    userId: 'app-iam',
    userName: 'app-iam',
    engine: 'valkey',
    auth: 'iam',
    principalArn: appRole,
    accessString: 'on ~app:* -@all +@read +waitaof',
    userGroupIds: ['vk-users'],
    ...extra,
  });

async function token(
  credentials: { accessKeyId: string; secretAccessKey: string },
  userId = 'app-iam',
  at?: Date,
) {
  return iamAuthToken({
    cacheName: 'vk-cache',
    userId,
    region: sandbox.region,
    credentials,
    signingDate: at ?? new Date(sandbox.clock.nowMs()),
  });
}

beforeAll(async () => {
  ({ sandbox, model, elastiCache, secrets, workflows } = await createElastiCacheWorld());
  iam = sandbox.model<IamModel>('IAM');
  appRole = iam.seedPrincipal('role', 'app-role');
  otherRole = iam.seedPrincipal('role', 'other-role');
  // A valkey group holds only users with a password or IAM: its default user has a password.
  model.seedUser({
    userId: 'vk-default',
    userName: 'default',
    engine: 'valkey',
    accessString: 'off -@all',
    passwords: ['a-locked-default-password-0001'],
  });
  model.seedUserGroup({ id: 'vk-users', userIds: ['vk-default'], engine: 'valkey' });
  model.seedReplicationGroup({
    id: 'vk-cache',
    transitEncryption: true,
    engine: 'valkey',
    userGroupIds: ['vk-users'],
  });
  model.seedUserGroup({ id: 'plain-users', userIds: ['vk-default'], engine: 'valkey' });
  model.seedReplicationGroup({ id: 'plain-cache', transitEncryption: false, engine: 'valkey' });
  model.seedUserGroup({ id: 'redis-users', userIds: ['default'] });
  model.seedReplicationGroup({
    id: 'redis-cache',
    transitEncryption: true,
    engineVersion: '6.2',
    userGroupIds: ['redis-users'],
  });
});
afterAll(async () => sandbox.close());

describe('IAM-authenticated users (onboard-user / offboard-user, real ASL)', () => {
  it('refuses before any change when a cache cannot take IAM users, or the request breaks an AWS rule', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { userGroupIds: ['redis-users'], accessString: 'on ~app:* -@all +@read' },
        /redis-cache runs Redis OSS 6\.2; IAM authentication needs 7\.0 or later/,
      ],
      [{ userName: 'app-iam-name' }, /userName: an IAM user's name must equal its user ID/],
      [{ principalArn: undefined }, /principalArn: an IAM user needs the IAM role or user ARN/],
      [
        { principalArn: 'arn:aws:iam::111111111111:role/app-role' },
        /principalArn: the principal is in account 111111111111/,
      ],
      [{ service: 'memorydb' }, /auth: IAM authentication is supported for ElastiCache users only/],
    ];
    for (const [extra, message] of cases) {
      const run = await onboardIam(extra);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('OnboardUser.InvalidInput');
      expect(causeOf(run)).toMatch(message);
    }
    await expect(cacheUser(elastiCache, 'app-iam')).rejects.toThrow(UserNotFoundFault);
    expect(iam.policyDocument(POLICY_ARN)).toBeUndefined();
  });

  it('onboards without a password: IAM authentication, a grant on exactly the cache and the user', async () => {
    const run = await onboardIam();
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(run.output).toEqual({
      userId: 'app-iam',
      userName: 'app-iam',
      userGroupIds: ['vk-users'],
      principalArn: appRole,
      policyArn: POLICY_ARN,
      // No probe here: said so, and the onboarding goes on (serverless-cache.test.ts verifies).
      iamVerification: {
        result: 'skipped',
        detail: 'no connectivity probe configured (ROTATION_PROBE_ENDPOINT and ROTATION_PROBE_CACHE)',
      },
      status: 'active',
    });
    expect(entered(run, 'StoreUserPassword')).toBe(0);
    const user = await cacheUser(elastiCache, 'app-iam');
    expect(user).toMatchObject({
      Authentication: { Type: 'iam' },
      UserGroupIds: ['vk-users'],
      Engine: 'valkey',
    });
    expect(iam.attachedPolicies(appRole)).toEqual([POLICY_ARN]);
    expect(JSON.parse(iam.policyDocument(POLICY_ARN) ?? '')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['elasticache:Connect'], Resource: [CACHE_ARN, USER_ARN] }],
    });
    const { SecretList = [] } = await secrets.send(new ListSecretsCommand({}));
    expect(SecretList.map((s) => s.Name)).not.toContain('cachegate/elasticache/users/app-iam');
  });

  it('a token signed by the principal authenticates; tampered, foreign, expired or ungranted ones do not', async () => {
    const appKey = iam.issueAccessKey(appRole);
    const good = await token(appKey);
    expect(good).toMatch(/^vk-cache\/\?Action=connect&User=app-iam&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect(good).toContain('X-Amz-Expires=900');
    const auth = (t: string, userName = 'app-iam') =>
      authenticateWithIamToken(sandbox, { cacheId: 'vk-cache', userName, token: t });
    expect(await auth(good)).toEqual({ ok: true, principalArn: appRole });

    expect(await auth(good.replace('User=app-iam', 'User=vk-default'), 'vk-default')).toMatchObject({
      ok: false,
      reason: 'signature does not match',
    });
    const wrongSecret = await token({ accessKeyId: appKey.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(await auth(wrongSecret)).toMatchObject({ ok: false, reason: 'signature does not match' });
    const sixteenMinutesAgo = new Date(sandbox.clock.nowMs() - 16 * 60_000);
    expect(await auth(await token(appKey, 'app-iam', sixteenMinutesAgo))).toMatchObject({
      ok: false,
      reason: 'token expired',
    });
    expect(await auth(await token(iam.issueAccessKey(otherRole)))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('is not allowed elasticache:Connect'),
    });
  });

  it('offboarding removes the grant and the user; the principal can no longer connect', async () => {
    const appKey = iam.issueAccessKey(appRole);
    const run = await workflows.run('offboard-user', { userId: 'app-iam' });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    expect(entered(run, 'RevokeIamConnect')).toBe(1);
    expect(iam.attachedPolicies(appRole)).toEqual([]);
    expect(iam.policyDocument(POLICY_ARN)).toBeUndefined();
    await expect(cacheUser(elastiCache, 'app-iam')).rejects.toThrow(UserNotFoundFault);
    expect(
      await authenticateWithIamToken(sandbox, {
        cacheId: 'vk-cache',
        userName: 'app-iam',
        token: await token(appKey),
      }),
    ).toMatchObject({ ok: false });
  });

  it('a password user offboards as before: the grant step finds nothing to remove', async () => {
    model.seedUser({
      userId: 'vk-app',
      userName: 'vk-app',
      engine: 'valkey',
      accessString: 'on ~* +@all',
      passwords: ['a-valkey-app-password-000001'],
    });
    const run = await workflows.run('offboard-user', { userId: 'vk-app' });
    expect([run.status, causeOf(run)]).toEqual(['SUCCEEDED', '']);
    await expect(cacheUser(elastiCache, 'vk-app')).rejects.toThrow(UserNotFoundFault);
  });
});
