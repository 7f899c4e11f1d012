import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import { describeUserGroup } from '../../functions/aws/elasticache.js';
import type { LocalExecution } from '../runner/local-state-machine.js';
import { mirrorReplicationGroupInto, mirrorUsersInto } from '../redis-mirror.js';
import {
  RedisReplyError,
  redisServerAvailable,
  startRedisServer,
  type RedisReply,
  type RedisServer,
} from '../redis-server.js';
import type { ElastiCacheModel } from '../sandbox/models/elasticache/index.js';
import type { SecretsManagerModel } from '../sandbox/models/secrets-manager.js';
import { runTokenClient, type TokenClientReport } from '../token-client.js';
import { RBAC_DEMO, seedRbacDemo } from '../sandbox/models/elasticache/seed.js';
import type { DemoContext } from './demo-context.js';

const CAROL = { userId: 'carol-orders-reader', accessString: 'on ~orders:* -@all +@read' };

/**
 * ElastiCache RBAC: a user onboarded with a password that only Secrets Manager holds, tried with
 * a real `AUTH` when redis-server is installed; a group's default user hardened; a replication
 * group moved from AUTH to RBAC (and one without TLS refused); the user offboarded. Seeds the
 * `orders-users` group the access-request chapter asks for.
 */
export async function rbacChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('ElastiCache RBAC: users, a locked default user, AUTH → RBAC migration');
  const model = sandbox.model<ElastiCacheModel>('ElastiCache');
  // The mirror is installed before the account is seeded, so it sees legacy-cache's token.
  let redis: RedisServer | undefined;
  if (redisServerAvailable()) {
    redis = await startRedisServer();
    model.onUserChanged = mirrorUsersInto(redis);
    model.onReplicationGroupChanged = mirrorReplicationGroupInto(redis, RBAC_DEMO.authReplicationGroup);
  }
  await seedRbacDemo(model, sandbox.model<SecretsManagerModel>('Secrets Manager'));
  await model.settle();
  narrator.step(
    `account: ${RBAC_DEMO.rbacReplicationGroup} (TLS, user group ${RBAC_DEMO.userGroup}), ` +
      `${RBAC_DEMO.authReplicationGroup} (TLS, AUTH token), ${RBAC_DEMO.plaintextReplicationGroup} (no TLS)`,
  );
  if (redis) {
    narrator.detail(
      `redis-server on 127.0.0.1:${redis.port} mirrors every user (ACL SETUSER) and ${RBAC_DEMO.authReplicationGroup}'s AUTH token for real AUTH checks`,
    );
  } else {
    narrator.detail(
      'redis-server is not installed: the AUTH checks are skipped (apt-get install redis-server)',
    );
  }
  try {
    narrator.step(`onboard ${CAROL.userId} ("${CAROL.accessString}") into ${RBAC_DEMO.userGroup}`);
    const onboarded = await expectSuccess(
      await run('onboard-user', {
        ...CAROL,
        userName: CAROL.userId,
        userGroupIds: [RBAC_DEMO.userGroup],
        requestedBy: 'alice',
      }),
    );
    const { secretArn } = onboarded as { secretArn: string };
    narrator.detail(`password: generated, stored in ${secretArn}`);
    narrator.detail('the workflow carried only that ARN and a version ID; the password is never printed');

    // Read only to try it with AUTH (and again after offboarding); it is never printed.
    const password = redis ? await storedPassword(secretArn) : undefined;
    if (redis && password) {
      const client = await redis.connect();
      try {
        narrator.step(
          `AUTH ${CAROL.userId} <password from Secrets Manager> → ${await reply(client, ['AUTH', CAROL.userId, password])}`,
        );
        narrator.detail(`GET orders:42 → ${await reply(client, ['GET', 'orders:42'])}`);
        narrator.detail(`SET orders:42 paid → ${await reply(client, ['SET', 'orders:42', 'paid'])}`);
      } finally {
        client.close();
      }
    }

    narrator.step(
      `harden the default user of ${RBAC_DEMO.userGroup} (the built-in "default" is open: on ~* +@all, no password)`,
    );
    const hardened = (await expectSuccess(
      await run('harden-default-user', { userGroupId: RBAC_DEMO.userGroup, requestedBy: 'alice' }),
    )) as { defaultUserId: string; replacedUserIds: string[] };
    const group = await describeUserGroup(RBAC_DEMO.userGroup);
    narrator.detail(
      `${RBAC_DEMO.userGroup}: default user is now ${hardened.defaultUserId} ("off -@all"), replaced ${hardened.replacedUserIds.join(', ')}; members ${group?.userIds.join(', ')}`,
    );

    narrator.step(`migrate ${RBAC_DEMO.plaintextReplicationGroup} to RBAC`);
    const refused = await run('migrate-to-rbac', { replicationGroupId: RBAC_DEMO.plaintextReplicationGroup });
    narrator.detail(`refused before any change: ${causeOf(refused)}`);
    narrator.step(
      `migrate ${RBAC_DEMO.authReplicationGroup} (on AUTH) to RBAC with ${RBAC_DEMO.unassignedUser}; its token is in ${RBAC_DEMO.authTokenSecretArn}`,
    );
    // Read only to play the application that still sends AUTH <token>; it is never printed.
    const token = redis ? await currentSecretString(RBAC_DEMO.authTokenSecretArn) : undefined;
    let stopClient = false;
    const tokenClient: Promise<TokenClientReport> | undefined =
      redis && token
        ? runTokenClient(redis, token, { key: 'app:heartbeat', stop: () => stopClient, pauseMs: 10 })
        : undefined;
    if (tokenClient) narrator.detail('a client keeps reconnecting with AUTH <token> throughout');
    const migrated = (await expectSuccess(
      await run('migrate-to-rbac', {
        replicationGroupId: RBAC_DEMO.authReplicationGroup,
        authTokenSecretArn: RBAC_DEMO.authTokenSecretArn,
        userIds: [RBAC_DEMO.unassignedUser],
        requestedBy: 'alice',
      }),
    )) as { userGroupId: string; memberIds: string[]; defaultUserId: string };
    stopClient = true;
    narrator.detail(
      `${RBAC_DEMO.authReplicationGroup} is available with user group ${migrated.userGroupId} (${migrated.memberIds.join(', ')}); the AUTH token was deleted in the same change`,
    );
    narrator.detail(
      `${migrated.defaultUserId} (user name "default") holds the old token as its password: AUTH <token> now logs in as it`,
    );
    const report = await tokenClient;
    if (report) {
      narrator.detail(
        `token client: ${report.rounds} rounds of AUTH <token>, SET, GET across the migration, ${report.failures.length} failed`,
      );
    }
    await finishMigration(run, narrator, redis, token);

    narrator.step(`offboard ${CAROL.userId}`);
    await expectSuccess(await run('offboard-user', { userId: CAROL.userId, requestedBy: 'alice' }));
    narrator.detail(
      'removed from every group, user deleted, secret scheduled for deletion (7-day recovery window)',
    );
    if (redis && password) {
      const client = await redis.connect();
      try {
        narrator.detail(
          `AUTH ${CAROL.userId} <the same password> → ${await reply(client, ['AUTH', CAROL.userId, password])}`,
        );
      } finally {
        client.close();
      }
    }
  } finally {
    model.onUserChanged = undefined;
    model.onReplicationGroupChanged = undefined;
    await redis?.stop();
  }
}

/**
 * finish-migration: with redis-server, the connectivity probe looks at its CLIENT LIST (plain TCP
 * here): first a worker still logged in with the token makes finish refuse and name it; once it is
 * gone, finish locks the default user and AUTH <token> is refused. Without redis there is no probe:
 * the lock is forced, with the reason recorded.
 */
async function finishMigration(
  run: DemoContext['run'],
  narrator: DemoContext['narrator'],
  redis: RedisServer | undefined,
  token: string | undefined,
): Promise<void> {
  const request = {
    replicationGroupId: RBAC_DEMO.authReplicationGroup,
    authTokenSecretArn: RBAC_DEMO.authTokenSecretArn,
    requestedBy: 'alice',
  };
  narrator.step(
    `finish the migration: lock ${RBAC_DEMO.authReplicationGroup}'s default user once nobody logs in with the token`,
  );
  if (!redis || !token) {
    const forced = (await expectSuccess(
      await run('finish-migration', {
        ...request,
        forceReason: 'demo without redis-server: no probe to look with',
      }),
    )) as { defaultUserId: string };
    narrator.detail(
      `no probe to count connections with: locked ${forced.defaultUserId} with a recorded reason`,
    );
    return;
  }
  process.env.ROTATION_PROBE_ENDPOINT = `127.0.0.1:${redis.port}`;
  process.env.ROTATION_PROBE_TLS = 'false';
  try {
    const worker = await redis.connect();
    await worker.command(['AUTH', token]);
    await worker.command(['CLIENT', 'SETNAME', 'legacy-worker']);
    const refused = await run('finish-migration', { ...request, windowSeconds: 0 });
    narrator.detail(`a worker still sends AUTH <token>: refused, nothing locked (${causeOf(refused)})`);
    worker.close();
    const finished = (await expectSuccess(
      await run('finish-migration', { ...request, windowSeconds: 120 }),
    )) as { defaultUserId: string };
    narrator.detail(
      `the worker moved to its own user: no default login for 120 s, ${finished.defaultUserId} locked`,
    );
    const client = await redis.connect();
    try {
      narrator.detail(`AUTH <the old token> → ${await reply(client, ['AUTH', token])}`);
    } finally {
      client.close();
    }
  } finally {
    delete process.env.ROTATION_PROBE_ENDPOINT;
    delete process.env.ROTATION_PROBE_TLS;
  }
}

export async function expectSuccess(execution: LocalExecution): Promise<unknown> {
  if (execution.status !== 'SUCCEEDED') {
    throw new Error(`${execution.executionArn.split(':').at(-2)} ${execution.status}: ${causeOf(execution)}`);
  }
  return execution.output;
}

export function causeOf(execution: LocalExecution): string {
  try {
    return (
      (JSON.parse(execution.cause ?? '') as { errorMessage?: string }).errorMessage ?? String(execution.cause)
    );
  } catch {
    return execution.cause ?? String(execution.error);
  }
}

/** The current password in the user's secret. */
async function storedPassword(secretArn: string): Promise<string> {
  return (JSON.parse(await currentSecretString(secretArn)) as { password: string }).password;
}

async function currentSecretString(secretId: string): Promise<string> {
  const { SecretString } = await createAwsClient(SecretsManagerClient, {}).send(
    new GetSecretValueCommand({ SecretId: secretId }),
  );
  return SecretString ?? '{}';
}

/** The reply, or the error reply's first words (`NOPERM ...`, `WRONGPASS ...`). */
async function reply(
  client: { command(args: readonly string[]): Promise<RedisReply> },
  args: string[],
): Promise<string> {
  try {
    const value = await client.command(args);
    return value === null ? '(nil)' : JSON.stringify(value).replace(/^"(.*)"$/, '$1');
  } catch (error) {
    if (error instanceof RedisReplyError) return error.message.split(/\s+/).slice(0, 12).join(' ');
    throw error;
  }
}
