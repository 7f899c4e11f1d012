import type { ServiceModel } from '../../sandbox.js';
import { aclCommands, seedAcl } from './acls.js';
import { clusterCommands, seedCluster } from './clusters.js';
import { MemoryDbState } from './state.js';
import { seedUser, userCommands } from './users.js';

export { MEMORYDB_DEFAULT_USER, OPEN_ACCESS_ACL } from './state.js';
export type {
  MemoryDbDelays,
  MemoryDbModelOptions,
  MemoryDbQuotas,
  MemoryDbUserChangedHook,
} from './state.js';

/**
 * Amazon MemoryDB access control as documented: users (the user name is the identifier, stored
 * in lower case; `password` or `iam` authentication, 1–2 passwords), ACLs that list user NAMES
 * (the built-in `open-access` ACL holds the built-in `default` user and cannot be changed), and
 * clusters that carry one `ACLName` (any ACL other than `open-access` needs TLS). Changes are
 * asynchronous on the sandbox clock: users go `modifying`/`deleting` (a new user is `active` at
 * once: MemoryDB documents no `creating` user status), ACLs `creating`/`modifying` (with
 * `PendingChanges`)/`deleting`, clusters `updating` (with `PendingUpdates.ACLs`). A call on a
 * resource that is not settled fails with the state fault. Modifications become visible only
 * when they complete. Access strings are validated and stored normalized. Error messages never
 * carry a password. One file per resource: users.ts, acls.ts, clusters.ts.
 */
export class MemoryDbModel extends MemoryDbState implements ServiceModel {
  readonly serviceId = 'MemoryDB';

  readonly commands = {
    ...userCommands(this),
    ...aclCommands(this),
    ...clusterCommands(this),
  };

  seedUser(spec: Parameters<typeof seedUser>[1]): void {
    seedUser(this, spec);
  }

  seedAcl(spec: Parameters<typeof seedAcl>[1]): void {
    seedAcl(this, spec);
  }

  seedCluster(spec: Parameters<typeof seedCluster>[1]): void {
    seedCluster(this, spec);
  }
}
