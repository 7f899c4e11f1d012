import { describeServerlessCache, describeUser, describeUserGroup } from '../../functions/aws/elasticache.js';
import { iamAuthToken } from '../../functions/aws/iam-auth-token.js';
import { tryAuth } from '../../functions/aws/rotation-probe.js';
import { iamMigrationRequestSchema, migrateUserToIam } from '../../functions/core/rbac/iam-migration.js';

import { seedFunctionsRole, startCacheAuthEndpoint } from '../cache-auth-endpoint.js';
import type { ElastiCacheModel } from '../sandbox/models/elasticache/index.js';
import type { IamModel } from '../sandbox/models/iam.js';
import type { DemoContext } from './demo-context.js';
import { expectSuccess } from './rbac-chapter.js';

const CACHE = 'carts-serverless';
const APP = 'carts-web';
const IAM_USER = 'carts-worker';
const PROBE_ENV = ['ROTATION_PROBE_ENDPOINT', 'ROTATION_PROBE_TLS', 'ROTATION_PROBE_CACHE'] as const;

/**
 * A Valkey serverless cache: its first user group attached by migrate-to-rbac (RBAC is the only
 * access control a serverless cache has), an IAM user onboarded into it and verified through the
 * connectivity probe, the application connecting with a token it signs itself (checked by the
 * sandbox's own SigV4 verification over a real TCP AUTH), and a password user migrated to IAM.
 */
export async function serverlessChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('ElastiCache Serverless (Valkey): a user group, IAM users, password → IAM');
  const elastiCache = sandbox.model<ElastiCacheModel>('ElastiCache');
  const iam = sandbox.model<IamModel>('IAM');
  const role = iam.seedPrincipal('role', 'carts-service');
  await seedFunctionsRole(sandbox);
  elastiCache.seedServerlessCache({ name: CACHE, engine: 'valkey', majorEngineVersion: '8' });
  elastiCache.seedUser({
    userId: APP,
    userName: APP,
    engine: 'valkey',
    accessString: 'on ~cart:* -@all +@read +@write',
    passwords: ['a-password-of-carts-web-0001'],
  });
  const cache = await describeServerlessCache(CACHE);
  narrator.step(
    `account: Valkey ${cache?.engineVersion} serverless cache ${CACHE} (TLS only, no user group yet); password user ${APP}; IAM role ${role}`,
  );

  narrator.step(`migrate-to-rbac --serverless-cache ${CACHE} --user ${APP}`);
  const migrated = (await expectSuccess(
    await run('migrate-to-rbac', { serverlessCacheName: CACHE, userIds: [APP], requestedBy: 'alice' }),
  )) as { userGroupId: string; defaultUserId: string };
  const group = await describeUserGroup(migrated.userGroupId);
  narrator.detail(
    `ModifyServerlessCache UserGroupId=${migrated.userGroupId}: members ${group?.userIds.join(', ')} (default user ${migrated.defaultUserId} locked); the group serves serverless caches ${group?.serverlessCacheIds.join(', ')}`,
  );

  const probe = await startCacheAuthEndpoint(sandbox, CACHE, { serverless: true });
  const saved = PROBE_ENV.map((name) => process.env[name]);
  process.env.ROTATION_PROBE_ENDPOINT = `127.0.0.1:${probe.port}`;
  process.env.ROTATION_PROBE_TLS = 'false';
  process.env.ROTATION_PROBE_CACHE = CACHE;
  try {
    narrator.step(`onboard ${IAM_USER} with --auth iam; the probe verifies it with a token of its own`);
    const onboarded = (await expectSuccess(
      await run('onboard-user', {
        userId: IAM_USER,
        userName: IAM_USER,
        engine: 'valkey',
        auth: 'iam',
        principalArn: role,
        accessString: 'on ~cart:* -@all +@read +@write',
        userGroupIds: [migrated.userGroupId],
        requestedBy: 'alice',
      }),
    )) as { policyArn: string; iamVerification: { result: string; detail: string } };
    narrator.detail(`${onboarded.policyArn}: elasticache:Connect on ${CACHE} and ${IAM_USER} only`);
    narrator.detail(
      `verification: ${onboarded.iamVerification.result} (${onboarded.iamVerification.detail})`,
    );

    const token = await iamAuthToken({
      cacheName: CACHE,
      userId: IAM_USER,
      region: sandbox.region,
      credentials: iam.issueAccessKey(role),
      serverless: true,
      signingDate: new Date(sandbox.clock.nowMs()),
    });
    narrator.step(`the service signs a token (connect-token --serverless): ${token.slice(0, 60)}…`);
    const endpoint = { host: '127.0.0.1', port: probe.port, tls: false };
    narrator.detail(`AUTH ${IAM_USER} <token> over TCP → ${await tryAuth(endpoint, IAM_USER, token)}`);

    narrator.step(`password → IAM for ${APP}: user migrate-to-iam --iam-user-id ${APP}-iam`);
    const outcome = await migrateUserToIam(
      iamMigrationRequestSchema.parse({
        userId: APP,
        iamUserId: `${APP}-iam`,
        principalArn: role,
        requestedBy: 'alice',
      }),
      {
        read: async (userId, iamUserId) => ({
          user: await describeUser(userId),
          iamUserExists: (await describeUser(iamUserId)) !== undefined,
        }),
        onboard: async (request) => (await expectSuccess(await run('onboard-user', request))) as never,
        offboard: async (request) => expectSuccess(await run('offboard-user', request)),
      },
      (line) => narrator.detail(line),
    );
    narrator.detail(
      `${outcome.iamUserId} verified; password user ${APP} ${outcome.passwordUserRemoved ? 'offboarded' : 'kept'}`,
    );
  } finally {
    PROBE_ENV.forEach((name, index) => {
      if (saved[index] === undefined) delete process.env[name];
      else process.env[name] = saved[index];
    });
    await probe.close();
  }
}
