import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidReplicationGroupStateFault,
} from '@aws-sdk/client-elasticache';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import {
  causeOf,
  createElastiCacheWorld,
  elastiCacheAccount,
  entered,
  expectNoPasswordLeak,
  ofType,
  sampleInput,
  type WorkflowRuns,
} from './rbac-fixture.js';

const sample = sampleInput<{
  replicationGroupId: string;
  authTokenSecretArn: string;
  userGroupId: string;
  userIds: string[];
  requestId: string;
}>('migrate-to-rbac');

let sandbox: Sandbox;
let model: ElastiCacheModel;
let elastiCache: ElastiCacheClient;
let workflows: WorkflowRuns;
let secrets: SecretsManagerClient;
/** Breaks the AUTH charset (a `%`); the errors must never quote it. */
const BAD_TOKEN = 'Bad-token-with-a-%-0123456789';
const tokenSecretArn = (id: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${id}`;

beforeAll(async () => {
  ({ sandbox, model, elastiCache, workflows, secrets } = await createElastiCacheWorld());
  for (const id of ['legacy-app', 'legacy-reader', 'named-default']) {
    model.seedUser({
      userId: id,
      userName: id === 'named-default' ? 'default' : id,
      accessString: 'on ~* +@read',
      passwords: [id.padEnd(20, 'x')],
    });
  }
  model.seedUserGroup({ id: 'existing-users', userIds: ['default', 'legacy-reader'] });
  model.seedUserGroup({ id: 'taken-users', userIds: ['default'] });
  for (const id of [sample.replicationGroupId, 'slow-cache', 'bad-token-cache']) {
    const token = `${id}-token-0123456789`;
    model.seedReplicationGroup({ id, transitEncryption: true, authToken: token });
    await secrets.send(
      new CreateSecretCommand({
        Name: `cachegate/elasticache/auth-tokens/${id}`,
        SecretString: id === 'bad-token-cache' ? BAD_TOKEN : token,
      }),
    );
  }
  model.seedReplicationGroup({ id: 'no-secret-cache', transitEncryption: true, authTokenEnabled: true });
  model.seedReplicationGroup({ id: 'taken-cache', transitEncryption: true });
  model.seedReplicationGroup({ id: 'plaintext-cache', transitEncryption: false, authTokenEnabled: false });
  model.seedReplicationGroup({ id: 'rbac-cache', transitEncryption: true, userGroupIds: ['existing-users'] });
  model.seedReplicationGroup({
    id: 'redis5-cache',
    transitEncryption: true,
    authTokenEnabled: true,
    engineVersion: '5.0.6',
  });
  model.seedUser({
    userId: 'open-user',
    userName: 'open-user',
    accessString: 'on ~* +@read',
    engine: 'valkey',
  });
  model.seedReplicationGroup({ id: 'valkey-cache', engine: 'valkey', transitEncryption: true });
});
afterAll(async () => sandbox.close());

const migrate = (input: unknown): Promise<LocalExecution> => workflows.run('migrate-to-rbac', input);

async function replicationGroup(id: string) {
  const { ReplicationGroups } = await elastiCache.send(
    new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
  );
  return ReplicationGroups?.[0];
}

async function accountSnapshot() {
  const account = await elastiCacheAccount(sandbox, elastiCache, [
    'CreateUser',
    'CreateUserGroup',
    'ModifyReplicationGroup',
  ]);
  const { ReplicationGroups } = await elastiCache.send(new DescribeReplicationGroupsCommand({}));
  return {
    ...account,
    replicationGroups: ReplicationGroups?.map((r) => `${r.ReplicationGroupId}:${r.UserGroupIds?.join(',')}`),
  };
}

describe('migrate-to-rbac workflow (real ASL on the local runner)', () => {
  it('on AUTH: creates a group whose default user holds the token, attaches it with DELETE and waits until available', async () => {
    const run = await migrate(sample);

    expect(run.status).toBe('SUCCEEDED');
    const defaultUserId = `${sample.userGroupId}-default`;
    expect(run.output).toEqual({
      replicationGroupId: sample.replicationGroupId,
      serverless: false,
      userGroupId: sample.userGroupId,
      defaultUserId,
      memberIds: [defaultUserId, ...sample.userIds],
      status: 'available',
    });
    // The group was on AUTH: AWS accepts the user group only together with DELETE of the token.
    expect(await replicationGroup(sample.replicationGroupId)).toMatchObject({
      Status: 'available',
      AuthTokenEnabled: false,
      UserGroupIds: [sample.userGroupId],
      PendingModifiedValues: {},
    });
    const { UserGroups } = await elastiCache.send(
      new DescribeUserGroupsCommand({ UserGroupId: sample.userGroupId }),
    );
    expect(UserGroups?.[0]).toMatchObject({
      Status: 'active',
      ReplicationGroups: [sample.replicationGroupId],
    });
    expect([...(UserGroups?.[0]?.UserIds ?? [])].sort()).toEqual([...sample.userIds, defaultUserId].sort());
    // Token clients log in as this user from now on: the token's access, the token as password.
    const { Users } = await elastiCache.send(new DescribeUsersCommand({ UserId: defaultUserId }));
    expect(Users?.[0]).toMatchObject({
      UserName: 'default',
      AccessString: 'on ~* &* +@all',
      Status: 'active',
      Authentication: { Type: 'password', PasswordCount: 1 },
    });
    expect(entered(run, 'StoreDefaultUserPassword')).toBe(0);
    expect(entered(run, 'UseAuthTokenAsPassword')).toBe(1);
    expect(entered(run, 'WaitForUserGroup')).toBeGreaterThanOrEqual(1);
    expect(entered(run, 'WaitForReplicationGroup')).toBeGreaterThanOrEqual(1);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'MigratedToRbac');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: 'alice',
      requestId: sample.requestId,
      subject: { replicationGroupId: sample.replicationGroupId, userGroupIds: sample.userGroupId },
    });
  });

  it('running it again changes nothing and succeeds', async () => {
    const before = await accountSnapshot();
    const run = await migrate(sample);
    expect(run.status).toBe('SUCCEEDED');
    expect(await accountSnapshot()).toEqual(before);
  });

  it('waits out a slow replication group and retries its state fault', async () => {
    const saved = { ...model.delays };
    Object.assign(model.delays, { replicationGroupModify: 400_000 });
    sandbox.faults.inject({
      service: 'ElastiCache',
      command: 'ModifyReplicationGroup',
      mode: 'throw',
      times: 2,
      error: () =>
        serviceFault(
          InvalidReplicationGroupStateFault,
          'Replication group slow-cache is modifying, not available.',
        ),
    });
    sandbox.faults.inject({ service: 'ElastiCache', command: 'CreateUserGroup', mode: 'crash' });
    try {
      const run = await migrate({
        replicationGroupId: 'slow-cache',
        authTokenSecretArn: tokenSecretArn('slow-cache'),
        userIds: ['legacy-reader'],
      });
      expect(run.status).toBe('SUCCEEDED');
      const retried = ofType(run, 'StateRetried').map((e) => e.state.name);
      expect(retried.filter((name) => name === 'AttachUserGroup')).toHaveLength(2);
      expect(retried).toContain('CreateUserGroup');
      expect(entered(run, 'CheckReplicationGroup')).toBeGreaterThanOrEqual(10);
      expect((await replicationGroup('slow-cache'))?.UserGroupIds).toEqual(['slow-cache-users']);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'in-transit encryption off',
        { replicationGroupId: 'plaintext-cache' },
        /replicationGroupId: replication group plaintext-cache has in-transit encryption \(TLS\) off/,
      ],
      [
        'an unknown replication group',
        { replicationGroupId: 'no-such-cache' },
        /replicationGroupId: replication group no-such-cache does not exist/,
      ],
      [
        'a replication group that has another user group',
        { replicationGroupId: 'rbac-cache' },
        /replicationGroupId: .*already uses user group existing-users/,
      ],
      [
        'an unknown user',
        { replicationGroupId: 'taken-cache', userIds: ['legacy-app', 'ghost'] },
        /userIds.1: user ghost does not exist/,
      ],
      [
        'a user named default among the users',
        { replicationGroupId: 'taken-cache', userIds: ['named-default'] },
        /userIds.0: user named-default is named "default"/,
      ],
      [
        'a user group ID that holds other members',
        { replicationGroupId: 'taken-cache', userGroupId: 'taken-users' },
        /userGroupId: user group taken-users already exists with other members/,
      ],
      [
        'a default user ID that belongs to a normal user',
        { replicationGroupId: 'taken-cache', defaultUserId: 'legacy-app' },
        /defaultUserId: user legacy-app exists and is not a locked user named "default"/,
      ],
      [
        'a repeated user',
        { replicationGroupId: 'taken-cache', userIds: ['legacy-app', 'legacy-app'] },
        /userIds: /,
      ],
      ['no replication group', { userIds: ['legacy-app'] }, /replicationGroupId: /],
      [
        'a group on AUTH without the token secret',
        { replicationGroupId: 'bad-token-cache' },
        /authTokenSecretArn: replication group bad-token-cache uses an AUTH token: name the secret/,
      ],
      [
        'a token secret that does not exist',
        { replicationGroupId: 'no-secret-cache', authTokenSecretArn: tokenSecretArn('no-secret-cache') },
        /authTokenSecretArn: secret .* cannot be read/,
      ],
      [
        'a token secret holding an invalid token',
        { replicationGroupId: 'bad-token-cache', authTokenSecretArn: tokenSecretArn('bad-token-cache') },
        /authTokenSecretArn: the AUTH token in secret .* may contain only letters, digits/,
      ],
      [
        'a token secret for a group without AUTH',
        { replicationGroupId: 'taken-cache', authTokenSecretArn: tokenSecretArn('slow-cache') },
        /authTokenSecretArn: replication group taken-cache has no AUTH token/,
      ],
      [
        'a token secret outside the auth-tokens prefix',
        {
          replicationGroupId: 'slow-cache',
          authTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-password',
        },
        /authTokenSecretArn: must be the ARN of a Secrets Manager secret named cachegate\/elasticache\/auth-tokens/,
      ],
      [
        'an engine version without RBAC (Redis OSS 5)',
        { replicationGroupId: 'redis5-cache' },
        /replicationGroupId: replication group redis5-cache runs Redis OSS 5\.0\.6; RBAC needs Redis OSS 6\.0 or later/,
      ],
      [
        'a no-password user for a valkey group',
        { replicationGroupId: 'valkey-cache', userIds: ['open-user'] },
        /userIds\.0: user open-user requires no password; a valkey user group can hold only users with a password or IAM/,
      ],
      [
        'a mixed-case replication group ID',
        { replicationGroupId: 'Redis5-Cache' },
        /replicationGroupId: must be lower case \(AWS stores these IDs in lower case\): use redis5-cache/,
      ],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const before = await accountSnapshot();
      const run = await migrate(input);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('MigrateToRbac.InvalidInput');
      expect(causeOf(run)).toMatch(cause);
      expect(await accountSnapshot()).toEqual(before);
      expect(entered(run, 'StoreDefaultUserPassword')).toBe(0);
      expect(JSON.stringify([run.events, run.cause])).not.toContain(BAD_TOKEN);
    });
  });

  it('a TLS group without AUTH gets a locked default user (no token clients to keep)', async () => {
    const run = await migrate({ replicationGroupId: 'taken-cache', userIds: ['legacy-app'] });
    expect(run.status).toBe('SUCCEEDED');
    const { Users } = await elastiCache.send(
      new DescribeUsersCommand({ UserId: 'taken-cache-users-default' }),
    );
    expect(Users?.[0]).toMatchObject({ UserName: 'default', AccessString: 'off -@all' });
    expect(entered(run, 'UseAuthTokenAsPassword')).toBe(0);
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 2);
  });
});
