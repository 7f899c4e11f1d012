import type {
  ReplicationGroupAccess,
  ReplicationGroupChangedHook,
  UserChangedHook,
} from './sandbox/models/elasticache/index.js';
import type { RedisServer } from './redis-server.js';

/**
 * The ElastiCache model's `onUserChanged` hook that mirrors each settled user into a real
 * redis-server with `ACL SETUSER` (and `ACL DELUSER` once deleted), so a stored password can be
 * tried with `AUTH` and the access string meets Redis's own ACL engine. Users named `default`
 * stay out: the mirror's admin connection is Redis's default user.
 */
export function mirrorUsersInto(server: RedisServer): UserChangedHook {
  return async (user, passwords) => {
    const name = user.UserName ?? '';
    if (name === 'default' || name === '') return;
    if (user.Status === 'deleted') {
      await server.command(['ACL', 'DELUSER', name]);
      return;
    }
    const auth = passwords.length > 0 ? passwords.map((p) => `>${p}`) : ['nopass'];
    await server.command(['ACL', 'SETUSER', name, 'reset', ...(user.AccessString ?? '').split(' '), ...auth]);
  };
}

/**
 * The ElastiCache model's `onReplicationGroupChanged` hook for one replication group, mirrored
 * into a redis-server standing for it. Redis's own `default` user is what a bare
 * `AUTH <password>` logs in as, on ElastiCache as in Redis, so:
 * - on AUTH, `default` gets the token(s) and full access (what `requirepass` does, but with room
 *   for the second token a ROTATE adds: `requirepass` holds one);
 * - on RBAC, `default` becomes the group's user named `default` (access string and passwords);
 * - with neither, `default` is open (no password), as on a cache without access control.
 * One `ACL SETUSER` per change, so no client ever sees a half-applied state.
 */
export function mirrorReplicationGroupInto(
  server: RedisServer,
  replicationGroupId: string,
): ReplicationGroupChangedHook {
  return async (group, access) => {
    if (group.ReplicationGroupId !== replicationGroupId) return;
    await server.command(['ACL', 'SETUSER', 'default', 'reset', ...defaultUserRules(access)]);
  };
}

function defaultUserRules(access: ReplicationGroupAccess): string[] {
  switch (access.mode) {
    case 'auth':
      return ['on', '~*', '&*', '+@all', ...access.tokens.map((t) => `>${t}`)];
    case 'open':
      return ['on', 'nopass', '~*', '&*', '+@all'];
    case 'rbac': {
      if (!access.defaultUser) return ['off'];
      const { accessString, passwords } = access.defaultUser;
      return [
        ...accessString.split(' '),
        ...(passwords.length > 0 ? passwords.map((p) => `>${p}`) : ['nopass']),
      ];
    }
  }
}
