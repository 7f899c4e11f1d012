/**
 * Zero downtime on a real redis-server: the sandbox mirrors the replication group's access into
 * it (AUTH token on Redis's `default` user, then the migrated group's `default` user, named users
 * as ACL users), while a token client keeps reconnecting and re-authenticating with
 * `AUTH <token>` for the whole migration. Interop: mandatory when CI is set.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mirrorReplicationGroupInto, mirrorUsersInto } from '../../local/redis-mirror.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { runTokenClient } from '../../local/token-client.js';
import { requireBinary } from '../interop/require-binary.js';
import { startRedisServer, type RedisServer } from '../interop/redis-server.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import {
  cacheUser,
  causeOf,
  createElastiCacheWorld,
  entered,
  expectNoPasswordLeak,
  sampleInput,
  type WorkflowRuns,
} from './rbac-fixture.js';
import { clearProbe, pointProbeAt } from './rotate-fixtures.js';

const hasRedis = requireBinary('redis-server');
const RG = 'token-cache';
const TOKEN = 'Token-client-secret-0123456789<>';
const APP_PASSWORD = 'App-password-0123456789abcdef';
const FORCED_RG = 'forced-cache';
const FORCED_TOKEN = 'Forced-token-0123456789abcdef';
const tokenSecretArn = (id: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${id}`;
const TOKEN_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${RG}`;

let sandbox: Sandbox;
let model: ElastiCacheModel;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
let elastiCache: ElastiCacheClient;
let redis: RedisServer;
/** The sandbox-clock-free moments the mirror switched the replication group's access. */
const switches: { mode: string; at: number }[] = [];

beforeAll(async () => {
  if (!hasRedis) return;
  ({ sandbox, model, secrets, workflows, elastiCache } = await createElastiCacheWorld());
  redis = await startRedisServer();
  // finish-migration lists the clients through the connectivity probe, plain TCP here.
  pointProbeAt(redis.port);
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
  model.seedReplicationGroup({ id: FORCED_RG, transitEncryption: true, authToken: FORCED_TOKEN });
  await secrets.send(
    new CreateSecretCommand({
      Name: `cachegate/elasticache/auth-tokens/${FORCED_RG}`,
      SecretString: FORCED_TOKEN,
    }),
  );
  await secrets.send(
    new CreateSecretCommand({ Name: `cachegate/elasticache/auth-tokens/${RG}`, SecretString: TOKEN }),
  );
  await model.settle();
});
afterAll(async () => {
  if (!hasRedis) return;
  clearProbe();
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

  const finish = (input: Record<string, unknown>) =>
    workflows.run('finish-migration', {
      ...sampleInput<Record<string, unknown>>('finish-migration'),
      replicationGroupId: RG,
      authTokenSecretArn: TOKEN_SECRET_ARN,
      ...input,
    });
  const auditOf = (action: string) =>
    sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === action)
      .map((e) => e.detail as { subject: Record<string, unknown> });

  it('finish refuses to lock default while a token client is connected, and says which one', async () => {
    const worker = await redis.connect();
    await worker.command(['AUTH', TOKEN]);
    await worker.command(['CLIENT', 'SETNAME', 'legacy-worker']);
    try {
      const run = await finish({});
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('FinishMigration.DefaultUserInUse');
      expect(run.cause).toMatch(/^1 connection\(s\) still log in as default .*name legacy-worker/);
      expect(auditOf('DefaultUserStillInUse').at(-1)?.subject).toMatchObject({
        replicationGroupId: RG,
        defaultConnections: 1,
      });
      expect(await worker.command(['GET', 'orders:last'])).not.toBeNull();
    } finally {
      worker.close();
    }
    const fresh = await redis.connect();
    expect(await fresh.command(['AUTH', TOKEN])).toBe('OK');
    fresh.close();
  });

  it('finish locks default after a window with no default connection: AUTH <token> is refused after', async () => {
    const run = await finish({});
    expect(run.status).toBe('SUCCEEDED');
    // One look now, then one a minute to the end of the 4-minute window: all five empty.
    expect(entered(run, 'CountDefaultConnections')).toBe(5);
    expect(entered(run, 'WaitBetweenSamples')).toBe(4);
    expect(run.output).toMatchObject({ replicationGroupId: RG, status: 'locked', forced: false });
    expect(auditOf('DefaultUserLocked').at(-1)?.subject).toMatchObject({
      replicationGroupId: RG,
      forced: false,
    });

    const tokenClient = await redis.connect();
    await expect(tokenClient.command(['AUTH', TOKEN])).rejects.toThrow(/WRONGPASS/);
    tokenClient.close();
    const app = await redis.connect();
    expect(await app.command(['AUTH', 'orders-app', APP_PASSWORD])).toBe('OK');
    app.close();

    const again = await finish({});
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'CountDefaultConnections')).toBe(0);
  });

  it('finish with a reason locks at once and records the reason', async () => {
    const migrated = await workflows.run('migrate-to-rbac', {
      replicationGroupId: FORCED_RG,
      authTokenSecretArn: tokenSecretArn(FORCED_RG),
      userIds: [],
      requestedBy: 'alice',
    });
    expect(migrated.status).toBe('SUCCEEDED');
    const run = await finish({
      replicationGroupId: FORCED_RG,
      authTokenSecretArn: tokenSecretArn(FORCED_RG),
      forceReason: 'token leaked in ticket SEC-42; rotate now',
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(entered(run, 'CountDefaultConnections')).toBe(0);
    expect(auditOf('DefaultUserLocked').at(-1)?.subject).toMatchObject({
      replicationGroupId: FORCED_RG,
      forced: true,
      forceReason: 'token leaked in ticket SEC-42; rotate now',
    });
    expect(await cacheUser(elastiCache, `${FORCED_RG}-users-default`)).toMatchObject({
      AccessString: 'off -@all',
      Status: 'active',
    });
  });

  it('finish refuses a replication group still on AUTH, changing nothing', async () => {
    model.seedReplicationGroup({ id: 'still-auth', transitEncryption: true, authToken: FORCED_TOKEN });
    const run = await finish({
      replicationGroupId: 'still-auth',
      authTokenSecretArn: tokenSecretArn(FORCED_RG),
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('FinishMigration.InvalidInput');
    expect(causeOf(run)).toMatch(/replicationGroupId: replication group still-auth is not on RBAC yet/);
  });

  it('never lets the token or a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 1);
  });
});
