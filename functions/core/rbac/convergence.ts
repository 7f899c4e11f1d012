import type { ReplicationGroupSnapshot, UserGroupSnapshot, UserSnapshot } from './snapshots.js';

/**
 * Where a resource stands against the end state a workflow asked for (safety rule 2: poll for
 * the end state, not for `active`):
 * - `settled`: the end state is reached and nothing is pending;
 * - `pending`: an asynchronous change is under way; wait and look again;
 * - `needs-change`: the end state is not there and nothing is bringing it: (re)issue the call.
 */
export type Convergence = 'settled' | 'pending' | 'needs-change';

/**
 * `cacheStatuses`: the statuses of the serverless caches using the group. A membership change
 * lands on them after the group (they show `modifying` meanwhile), so the user is in (or out of)
 * those caches only once they are `available` again.
 */
export function membershipConvergence(
  group: UserGroupSnapshot,
  userId: string,
  member: boolean,
  cacheStatuses: readonly string[] = [],
): Convergence {
  const isMember = group.userIds.includes(userId);
  const busy =
    group.status !== 'active' ||
    group.pendingUserIdsToAdd.length > 0 ||
    group.pendingUserIdsToRemove.length > 0 ||
    cacheStatuses.some((status) => status !== 'available');
  if (isMember === member) return busy ? 'pending' : 'settled';
  const comingOurWay = member
    ? group.pendingUserIdsToAdd.includes(userId)
    : group.pendingUserIdsToRemove.includes(userId);
  return comingOurWay ? 'pending' : 'needs-change';
}

export type UserExpectation = { present: true; passwordCount: number } | { present: false };

export function userConvergence(user: UserSnapshot | undefined, expected: UserExpectation): Convergence {
  if (!expected.present) {
    if (!user) return 'settled';
    return user.status === 'deleting' ? 'pending' : 'needs-change';
  }
  if (!user || user.status === 'deleting') return 'needs-change';
  if (user.status !== 'active') return 'pending';
  const passwordsMatch =
    expected.passwordCount === 0
      ? user.authenticationType !== 'password'
      : user.authenticationType === 'password' && user.passwordCount === expected.passwordCount;
  return passwordsMatch ? 'settled' : 'needs-change';
}

/**
 * A default-user swap: the group's only user named `default` is `defaultUserId`. `otherDefaults`
 * are the other members named `default` (the users being replaced).
 */
export function defaultUserSwapConvergence(
  group: UserGroupSnapshot,
  defaultUserId: string,
  otherDefaults: string[],
): Convergence {
  const done =
    group.userIds.includes(defaultUserId) && otherDefaults.every((id) => !group.userIds.includes(id));
  const busy =
    group.status !== 'active' ||
    group.pendingUserIdsToAdd.length > 0 ||
    group.pendingUserIdsToRemove.length > 0;
  if (done) return busy ? 'pending' : 'settled';
  const comingOurWay =
    group.pendingUserIdsToAdd.includes(defaultUserId) ||
    otherDefaults.some((id) => group.pendingUserIdsToRemove.includes(id));
  return comingOurWay ? 'pending' : 'needs-change';
}

/**
 * A user group created with exactly `userIds`: `conflict` when it exists, is settled and holds
 * other members (someone else changed it: the workflow stops rather than fight over it).
 */
export function userGroupConvergence(
  group: UserGroupSnapshot | undefined,
  userIds: string[],
): Convergence | 'conflict' {
  if (!group || group.status === 'deleting') return 'needs-change';
  const busy =
    group.status !== 'active' ||
    group.pendingUserIdsToAdd.length > 0 ||
    group.pendingUserIdsToRemove.length > 0;
  if (busy) return 'pending';
  const members = new Set(group.userIds);
  return members.size === userIds.length && userIds.every((id) => members.has(id)) ? 'settled' : 'conflict';
}

/** A replication group that is `available` with `userGroupId` attached and nothing pending. */
export function replicationGroupConvergence(
  group: ReplicationGroupSnapshot,
  userGroupId: string,
): Convergence {
  const attached = group.userGroupIds.includes(userGroupId);
  const busy =
    group.status !== 'available' ||
    group.pendingUserGroupIdsToAdd.length > 0 ||
    group.pendingUserGroupIdsToRemove.length > 0;
  if (attached) return busy ? 'pending' : 'settled';
  if (group.pendingUserGroupIdsToAdd.includes(userGroupId)) return 'pending';
  return 'needs-change';
}

/**
 * True when the group's members, counting pending additions, are exactly `userIds`: what a
 * retried create finds when the lost call did create the group (user group or ACL).
 */
export function holdsExactly(group: UserGroupSnapshot, userIds: readonly string[]): boolean {
  const members = new Set([...group.userIds, ...group.pendingUserIdsToAdd]);
  return members.size === userIds.length && userIds.every((id) => members.has(id));
}
