import { cacheRbac } from '../../functions/aws/cache-rbac.js';
import type { MemoryDbModel } from '../sandbox/models/memorydb/index.js';
import { RBAC_DEMO } from '../sandbox/models/elasticache/seed.js';
import { seedMemoryDbDemo } from '../sandbox/models/memorydb/seed.js';
import type { DemoContext } from './demo-context.js';
import { causeOf, expectSuccess } from './rbac-chapter.js';

const DAVE = { userId: 'dave-orders-reader', accessString: 'on ~orders:* -@all +@read' };

/**
 * MemoryDB through the same workflows with `service: memorydb`: a user onboarded into an ACL, a
 * cluster moved off the open-access ACL (one without TLS refused), the user's password rotated
 * under the two-password limit, the user offboarded.
 */
export async function memoryDbChapter({ sandbox, narrator, run }: DemoContext): Promise<void> {
  narrator.heading('MemoryDB: the same workflows against users, ACLs and clusters');
  seedMemoryDbDemo(sandbox.model<MemoryDbModel>('MemoryDB'));
  narrator.step(
    `account: cluster ${RBAC_DEMO.rbacReplicationGroup} on ACL ${RBAC_DEMO.userGroup}, ` +
      `${RBAC_DEMO.authReplicationGroup} on the open-access ACL (anyone connects), ` +
      `${RBAC_DEMO.plaintextReplicationGroup} without TLS`,
  );

  narrator.step(`onboard ${DAVE.userId} into ACL ${RBAC_DEMO.userGroup}`);
  const { secretArn } = (await expectSuccess(
    await run('onboard-user', {
      service: 'memorydb',
      ...DAVE,
      userName: DAVE.userId,
      userGroupIds: [RBAC_DEMO.userGroup],
      requestedBy: 'alice',
    }),
  )) as { secretArn: string };
  narrator.detail(`password in ${secretArn}: MemoryDB users have a secret prefix of their own`);

  narrator.step(`move ${RBAC_DEMO.plaintextReplicationGroup} off open-access`);
  const refused = await run('migrate-to-rbac', {
    service: 'memorydb',
    replicationGroupId: RBAC_DEMO.plaintextReplicationGroup,
    userIds: [RBAC_DEMO.unassignedUser],
  });
  narrator.detail(`refused before any change: ${causeOf(refused)}`);
  narrator.step(
    `move ${RBAC_DEMO.authReplicationGroup} off open-access onto an ACL with ${RBAC_DEMO.unassignedUser}`,
  );
  const migrated = (await expectSuccess(
    await run('migrate-to-rbac', {
      service: 'memorydb',
      replicationGroupId: RBAC_DEMO.authReplicationGroup,
      userIds: [RBAC_DEMO.unassignedUser],
      requestedBy: 'alice',
    }),
  )) as { clusterName: string; aclName: string; memberIds: string[] };
  narrator.detail(
    `${migrated.clusterName} is available with ACL ${migrated.aclName} (${migrated.memberIds.join(', ')}); no default user to create`,
  );

  narrator.step(`rotate ${DAVE.userId}'s password (UpdateUser with [new, current])`);
  const rotated = (await expectSuccess(
    await run('rotate-password', { service: 'memorydb', userId: DAVE.userId, requestedBy: 'demo' }),
  )) as { versionId: string };
  const user = await cacheRbac('memorydb').describeUser(DAVE.userId);
  narrator.detail(
    `AWSCURRENT is version ${rotated.versionId}; ${DAVE.userId} is ${user?.status} with ${user?.passwordCount} passwords (new and previous)`,
  );

  narrator.step(`offboard ${DAVE.userId}`);
  await expectSuccess(
    await run('offboard-user', { service: 'memorydb', userId: DAVE.userId, requestedBy: 'alice' }),
  );
  narrator.detail('removed from its ACL, user deleted, secret scheduled for deletion');
}
