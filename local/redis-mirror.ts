import type { UserChangedHook } from './sandbox/models/elasticache.js';
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
