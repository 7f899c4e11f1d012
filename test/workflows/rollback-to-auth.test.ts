/**
 * rollback-to-auth on the sandbox: every check before the one change, then the user group removed
 * and the token set with SET; mirrored into a real redis-server (when installed; mandatory when CI
 * is set), where a client sending `AUTH <token>` works again after the rollback.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeReplicationGroup } from '../../functions/aws/elasticache.js';
import { rollbackToAuth } from '../../functions/use-cases/rollback-to-auth.js';
import { currentUserClaim } from '../../functions/aws/user-claims.js';
import { authTokenClaimKey } from '../../functions/core/rotation/auth-token-rotation.js';
import { mirrorReplicationGroupInto, mirrorUsersInto } from '../../local/redis-mirror.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import { runTokenClient } from '../../local/token-client.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { requireBinary } from '../interop/require-binary.js';
import { createElastiCacheWorld, type WorkflowRuns } from './rbac-fixture.js';

const hasRedis = requireBinary('redis-server');
const RG = 'rollback-cache';
const TOKEN = 'Rollback-token-0123456789<>abc';
const secretArn = (id: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${id}`;

let sandbox: Sandbox;
let model: ElastiCacheModel;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
let redis: RedisServer | undefined;

beforeAll(async () => {
  ({ sandbox, model, secrets, workflows } = await createElastiCacheWorld());
  if (hasRedis) {
    redis = await startRedisServer();
    const mirrorAccess = mirrorReplicationGroupInto(redis, RG);
    model.onUserChanged = mirrorUsersInto(redis);
    model.onReplicationGroupChanged = mirrorAccess;
  }
  model.seedReplicationGroup({ id: RG, transitEncryption: true, authToken: TOKEN });
  model.seedReplicationGroup({ id: 'still-auth', transitEncryption: true, authToken: TOKEN });
  await model.settle();
  await secrets.send(
    new CreateSecretCommand({ Name: `cachegate/elasticache/auth-tokens/${RG}`, SecretString: TOKEN }),
  );
  await secrets.send(
    new CreateSecretCommand({ Name: 'cachegate/elasticache/auth-tokens/still-auth', SecretString: TOKEN }),
  );
  // Migrated, then the default user locked: token clients are refused until the rollback.
  const migrated = await workflows.run('migrate-to-rbac', {
    replicationGroupId: RG,
    authTokenSecretArn: secretArn(RG),
  });
  expect(migrated.status).toBe('SUCCEEDED');
  const finished = await workflows.run('finish-migration', {
    replicationGroupId: RG,
    authTokenSecretArn: secretArn(RG),
    forceReason: 'the migration has to be undone in this test',
  });
  expect(finished.status).toBe('SUCCEEDED');
  await model.settle();
});
afterAll(async () => {
  await redis?.stop();
  await sandbox.close();
});

const options = () => ({ owner: 'test-rollback', sleep: () => new Promise<void>((r) => setTimeout(r, 20)) });

describe('rollback-to-auth', () => {
  it.each([
    [
      'a group still on AUTH',
      { replicationGroupId: 'still-auth', authTokenSecretArn: secretArn('still-auth') },
      /^replicationGroupId: replication group still-auth is already on AUTH/,
    ],
    [
      'a group that does not exist',
      { replicationGroupId: 'nope-cache', authTokenSecretArn: secretArn(RG) },
      /^replicationGroupId: replication group nope-cache does not exist/,
    ],
    [
      'an unreadable token secret',
      { replicationGroupId: RG, authTokenSecretArn: secretArn('missing') },
      /^authTokenSecretArn: secret .* cannot be read/,
    ],
    [
      'a secret ARN outside the token prefix',
      {
        replicationGroupId: RG,
        authTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:other',
      },
      /^authTokenSecretArn: must be the ARN/,
    ],
  ])('refuses %s before any change', async (_, input, message) => {
    const modifies = sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup');
    await expect(rollbackToAuth({ ...input, requestedBy: 'alice' }, options())).rejects.toThrow(message);
    expect(sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup')).toBe(modifies);
    expect(await currentUserClaim(authTokenClaimKey(input.replicationGroupId))).toBeUndefined();
  });

  it('refuses a token secret whose value breaks the AUTH token rules, without quoting it', async () => {
    const bad = 'not a token: has spaces and / slashes';
    await secrets.send(
      new CreateSecretCommand({ Name: 'cachegate/elasticache/auth-tokens/bad-value', SecretString: bad }),
    );
    const modifies = sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup');
    const error = await rollbackToAuth(
      { replicationGroupId: RG, authTokenSecretArn: secretArn('bad-value') },
      options(),
    ).catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(
      /^authTokenSecretArn: .* is not a valid AUTH token: it may contain only/,
    );
    expect((error as Error).message).not.toContain(bad);
    expect(sandbox.faults.calls('ElastiCache', 'ModifyReplicationGroup')).toBe(modifies);
  });

  it('removes the user group and sets the token (SET): AUTH <token> works again; audited; the claim released', async () => {
    if (redis) {
      const before = await redis.connect();
      await expect(before.command(['AUTH', TOKEN])).rejects.toThrow(/WRONGPASS/);
      before.close();
    }
    const result = await rollbackToAuth(
      { replicationGroupId: RG, authTokenSecretArn: secretArn(RG), requestedBy: 'alice' },
      options(),
    );
    expect(result).toMatchObject({ replicationGroupId: RG, userGroupId: `${RG}-users`, status: 'auth' });
    const group = await describeReplicationGroup(RG);
    expect(group).toMatchObject({ status: 'available', authTokenEnabled: true, userGroupIds: [] });
    expect(await currentUserClaim(authTokenClaimKey(RG))).toBeUndefined();
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'RolledBackToAuth');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: 'alice',
      subject: { replicationGroupId: RG, removedUserGroupId: `${RG}-users` },
    });
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    if (redis) {
      let rounds = 0;
      const report = await runTokenClient(redis, TOKEN, { key: 'rollback', stop: () => (rounds += 1) > 20 });
      expect(report.failures).toEqual([]);
      expect(report.ok).toBe(20);
    }
  });
});
