import { iamAuthToken } from '../../functions/aws/iam-auth-token.js';
import type { ElastiCacheModel } from '../sandbox/models/elasticache/index.js';
import { authenticateWithIamToken } from '../sandbox/models/elasticache/iam-auth.js';
import type { IamModel } from '../sandbox/models/iam.js';
import type { DemoContext } from './demo-context.js';
import { expectSuccess } from './rbac-chapter.js';

const CACHE = 'sessions-valkey';
const GROUP = 'sessions-users';
const USER = 'sessions-app';

/**
 * An IAM-authenticated user on a Valkey cache: onboarded with no password, a managed policy
 * letting its role connect, a 15-minute token it authenticates with (checked by the sandbox's
 * own SigV4 verification), then offboarded, after which the same role is refused.
 */
export async function iamChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('IAM authentication: a Valkey user with no password');
  const elastiCache = sandbox.model<ElastiCacheModel>('ElastiCache');
  const iam = sandbox.model<IamModel>('IAM');
  const role = iam.seedPrincipal('role', 'sessions-service');
  elastiCache.seedUser({
    userId: 'sessions-default',
    userName: 'default',
    engine: 'valkey',
    accessString: 'off -@all',
    passwords: ['locked-default-password-of-sessions'],
  });
  elastiCache.seedUserGroup({ id: GROUP, userIds: ['sessions-default'], engine: 'valkey' });
  elastiCache.seedReplicationGroup({
    id: CACHE,
    transitEncryption: true,
    engine: 'valkey',
    userGroupIds: [GROUP],
  });
  narrator.step(`account: Valkey cache ${CACHE} (TLS) with user group ${GROUP}; IAM role ${role}`);

  narrator.step(`onboard ${USER} with --auth iam for that role`);
  const onboarded = (await expectSuccess(
    await run('onboard-user', {
      userId: USER,
      userName: USER,
      engine: 'valkey',
      auth: 'iam',
      principalArn: role,
      accessString: 'on ~session:* -@all +@read +@write +waitaof',
      userGroupIds: [GROUP],
      requestedBy: 'alice',
    }),
  )) as { policyArn: string };
  narrator.detail(
    `no secret; ${onboarded.policyArn} allows elasticache:Connect on ${CACHE} and ${USER} only`,
  );

  const credentials = iam.issueAccessKey(role);
  const token = await iamAuthToken({
    cacheName: CACHE,
    userId: USER,
    region: sandbox.region,
    credentials,
    signingDate: new Date(sandbox.clock.nowMs()),
  });
  narrator.step(`the service signs a token (cachegate connect-token): ${token.slice(0, 72)}…`);
  const accepted = await authenticateWithIamToken(sandbox, { cacheId: CACHE, userName: USER, token });
  narrator.detail(`AUTH ${USER} <token> → ${accepted.ok ? 'OK' : `refused: ${accepted.reason}`}`);

  narrator.step(`offboard ${USER}: the policy is detached and deleted, then the user`);
  await expectSuccess(await run('offboard-user', { userId: USER, requestedBy: 'alice' }));
  const fresh = await iamAuthToken({
    cacheName: CACHE,
    userId: USER,
    region: sandbox.region,
    credentials,
    signingDate: new Date(sandbox.clock.nowMs()),
  });
  const refused = await authenticateWithIamToken(sandbox, { cacheId: CACHE, userName: USER, token: fresh });
  narrator.detail(
    `a new token from the same role → ${refused.ok ? 'OK (unexpected)' : `refused: ${refused.reason}`}`,
  );
}
