import { generatePassword } from '../../../../functions/core/password-policy.js';
import { RBAC_DEMO } from '../elasticache/seed.js';
import type { MemoryDbModel } from './index.js';

/**
 * The MemoryDB side of the CLI's local demo account, with the same names as the ElastiCache side
 * so the same commands work with `--service memorydb`: ACL `orders-users` (the user group's
 * counterpart) with `orders-reader`, used by cluster `orders-cache`; `legacy-app` in no ACL;
 * cluster `legacy-cache` still on `open-access` (the migrate-to-rbac candidate) and
 * `plaintext-cache` without TLS (refused).
 * Passwords are generated and thrown away.
 */
export function seedMemoryDbDemo(model: MemoryDbModel): void {
  model.seedUser({
    userName: RBAC_DEMO.user,
    accessString: 'on ~orders:* -@all +@read',
    passwords: [generatePassword()],
  });
  model.seedUser({
    userName: RBAC_DEMO.unassignedUser,
    accessString: 'on ~app:* -@all +@read',
    passwords: [generatePassword()],
  });
  model.seedAcl({ name: RBAC_DEMO.userGroup, userNames: [RBAC_DEMO.user] });
  model.seedCluster({ name: RBAC_DEMO.rbacReplicationGroup, aclName: RBAC_DEMO.userGroup });
  model.seedCluster({ name: RBAC_DEMO.authReplicationGroup });
  model.seedCluster({ name: RBAC_DEMO.plaintextReplicationGroup, tlsEnabled: false });
}
