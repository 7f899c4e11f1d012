import type { ServiceModel } from '../../sandbox.js';
import type { Engine } from './parameters.js';
import { replicationGroupCommands, seedReplicationGroup } from './replication-groups.js';
import { seedServerlessCache, serverlessCacheCommands } from './serverless-caches.js';
import { ElastiCacheState } from './state.js';
import { seedUserGroup, userGroupCommands } from './user-groups.js';
import { seedUser, userCommands } from './users.js';

export { supportsRbac } from './replication-groups.js';
export type {
  ElastiCacheDelays,
  ElastiCacheModelOptions,
  ElastiCacheQuotas,
  ReplicationGroupAccess,
  ReplicationGroupChangedHook,
  UserChangedHook,
} from './state.js';

/**
 * Amazon ElastiCache RBAC as documented: users, user groups and the replication groups they are
 * attached to. Every create/modify/delete is asynchronous (`creating`/`modifying`/`deleting`,
 * then `active` or gone, on the sandbox clock), a call on a resource that is not `active` fails
 * with the state fault, `Passwords` replaces the whole list (at most 2), a user group always holds
 * a user named `default`, quotas apply, and user groups attach only to TLS replication groups,
 * one each. Modifications become visible only when they complete, as on AWS. Access strings are
 * validated and stored rewritten (normalized), as AWS rewrites them. Error messages never carry
 * a password. One file per resource: users.ts, user-groups.ts, replication-groups.ts,
 * serverless-caches.ts.
 */
export class ElastiCacheModel extends ElastiCacheState implements ServiceModel {
  readonly serviceId = 'ElastiCache';

  readonly commands = {
    ...userCommands(this),
    ...userGroupCommands(this),
    ...replicationGroupCommands(this),
    ...serverlessCacheCommands(this),
  };

  seedUser(spec: Parameters<typeof seedUser>[1]): void {
    seedUser(this, spec);
  }

  seedUserGroup(spec: { id: string; userIds: string[]; engine?: Engine }): void {
    seedUserGroup(this, spec);
  }

  seedReplicationGroup(spec: Parameters<typeof seedReplicationGroup>[1]): void {
    seedReplicationGroup(this, spec);
  }

  seedServerlessCache(spec: Parameters<typeof seedServerlessCache>[1]): void {
    seedServerlessCache(this, spec);
  }
}
