/**
 * Zero downtime on a real redis-server: the sandbox mirrors the replication group's access into
 * it (AUTH token on Redis's `default` user, then the migrated group's `default` user, named users
 * as ACL users), while a token client keeps reconnecting and re-authenticating with
 * `AUTH <token>` for the whole migration. Interop: mandatory when CI is set.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mirrorReplicationGroupInto, mirrorUsersInto } from '../../local/redis-mirror.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache.js';
import { runTokenClient } from '../../local/token-client.js';
import { requireBinary } from '../interop/require-binary.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import { createElastiCacheWorld, expectNoPasswordLeak, type WorkflowRuns } from './rbac-fixture.js';

const hasRedis = requireBinary('redis-server');
const RG = 'token-cache';
const TOKEN = 'Token-client-secret-0123456789<>';
const APP_PASSWORD = 'App-password-0123456789abcdef';
const TOKEN_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${RG}`;

let sandbox: Sandbox;
let model: ElastiCacheModel;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
let redis: RedisServer;
/** The sandbox-clock-free moments the mirror switched the replication group's access. */
const switches: { mode: string; at: number }[] = [];

beforeAll(async () => {
  if (!hasRedis) return;
  ({ sandbox, model, secrets, workflows } = await createElastiCacheWorld());
  redis = await startRedisServer();
  const mirrorAccess = mirrorReplicationGroupInto(redis, RG);
  model.onUserChanged = mirrorUsersInto(redis);
  model.onReplicationGroupChanged = async (group, access) => {
    await mirrorAccess(group, access);
    if (group.ReplicationGroupId === RG) switches.push({ mode: access.mode, at: Date.now() });
  };
  model.seedUser({
    userId: 'orders-app',
    userName: 'orders-app',
    accessString: 'on ~orders:* -@all +@read +@write',
    passwords: [APP_PASSWORD],
  });
  model.seedReplicationGroup({ id: RG, transitEncryption: true, authToken: TOKEN });
  await secrets.send(
    new CreateSecretCommand({ Name: `cachegate/elasticache/auth-tokens/${RG}`, SecretString: TOKEN }),
  );
  await model.settle();
});
afterAll(async () => {
  if (!hasRedis) return;
  await redis.stop();
  await sandbox.close();
});

(hasRedis ? describe : describe.skip)('migrate-to-rbac on a real redis-server', () => {
  it('a client sending AUTH <token> never fails across the migration, and a named user works after', async () => {
    let done = false;
    let okAfterSwitch = 0;
    const client = runTokenClient(redis, TOKEN, {
      key: 'orders:last',
      stop: () => done,
      onRound: () => {
        if (switches.some((s) => s.mode === 'rbac')) okAfterSwitch += 1;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const run = await workflows.run('migrate-to-rbac', {
      replicationGroupId: RG,
      authTokenSecretArn: TOKEN_SECRET_ARN,
      userIds: ['orders-app'],
      requestedBy: 'alice',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    done = true;
    const report = await client;

    expect(run.status).toBe('SUCCEEDED');
    expect(switches.map((s) => s.mode)).toEqual(['auth', 'rbac']);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(report.rounds);
    expect(report.ok).toBeGreaterThan(okAfterSwitch);
    expect(okAfterSwitch).toBeGreaterThan(0);

    // The token client is now the group's `default` user; the named user logs in as itself.
    const tokenConnection = await redis.connect();
    await tokenConnection.command(['AUTH', TOKEN]);
    expect(await tokenConnection.command(['ACL', 'WHOAMI'])).toBe('default');
    tokenConnection.close();
    const app = await redis.connect();
    expect(await app.command(['AUTH', 'orders-app', APP_PASSWORD])).toBe('OK');
    expect(await app.command(['GET', 'orders:last'])).not.toBeNull();
    await expect(app.command(['GET', 'other:key'])).rejects.toThrow(/NOPERM/);
    app.close();
  });

  it('never lets the token or a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 1);
  });
});
