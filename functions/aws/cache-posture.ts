import type {
  CachePosture,
  CachePostureSnapshot,
  CacheServiceName,
  UserSecretPosture,
} from '../core/posture/snapshot.js';
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from '../core/rotation/stages.js';
import { cacheRbac } from './cache-rbac.js';
import { listReplicationGroupPostures, listServerlessCaches } from './elasticache.js';
import { listClusterPostures } from './memorydb.js';
import { listUserSecrets } from './rotation-secrets.js';
import { listSecretVersions } from './secrets.js';

const SERVICES: CacheServiceName[] = ['elasticache', 'memorydb'];

/**
 * The cache/RBAC half of the posture snapshot (ElastiCache, MemoryDB, Secrets Manager), in the
 * region the clients are configured for. Read-only: Describe/List calls, no secret value. A module
 * of its own so that a function auditing this half bundles none of the Client VPN half's clients.
 */
export async function gatherCachePosture(region: string): Promise<CachePostureSnapshot> {
  const caches: CachePosture[] = [
    ...(await listReplicationGroupPostures()),
    ...(await listServerlessCaches()).map((cache): CachePosture => ({
      kind: 'serverless-cache',
      id: cache.replicationGroupId,
      transitEncryption: cache.transitEncryptionEnabled,
      authTokenEnabled: cache.authTokenEnabled,
      userGroupIds: cache.userGroupIds,
    })),
    ...(await listClusterPostures()),
  ];
  const users = [];
  const userGroups = [];
  const secrets: UserSecretPosture[] = [];
  for (const service of SERVICES) {
    const port = cacheRbac(service);
    for (const user of await port.listUsers()) {
      users.push({
        service,
        userId: user.userId,
        userName: user.userName,
        status: user.status,
        accessString: user.accessString,
        authenticationType: user.authenticationType,
        passwordCount: user.passwordCount,
      });
    }
    for (const group of await port.listUserGroups()) {
      userGroups.push({ service, id: group.userGroupId, userIds: group.userIds });
    }
    for (const secret of await listUserSecrets(service)) {
      secrets.push(await secretPosture(service, secret.userId, secret.arn));
    }
  }
  return { region, caches, users, userGroups, secrets };
}

async function secretPosture(
  service: CacheServiceName,
  userId: string,
  arn: string,
): Promise<UserSecretPosture> {
  const versions = await listSecretVersions(arn);
  const created = (stage: string) => versions.find((v) => v.stages.includes(stage))?.created?.toISOString();
  const current = versions.find((v) => v.stages.includes(AWSCURRENT));
  const pending = versions.find((v) => v.stages.includes(AWSPENDING));
  const pendingCreated =
    pending && pending.versionId !== current?.versionId ? pending.created?.toISOString() : undefined;
  const currentCreated = created(AWSCURRENT);
  const previousCreated = created(AWSPREVIOUS);
  return {
    service,
    userId,
    arn,
    ...(currentCreated ? { currentCreated } : {}),
    ...(previousCreated ? { previousCreated } : {}),
    ...(pendingCreated ? { pendingCreated } : {}),
  };
}
