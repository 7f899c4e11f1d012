import type { UserGroupSnapshot, UserSnapshot } from './snapshots.js';

/**
 * Where a resource stands against the end state a workflow asked for (design rule 2: poll for
 * the end state, not for `active`):
 * - `settled`: the end state is reached and nothing is pending;
 * - `pending`: an asynchronous change is under way; wait and look again;
 * - `needs-change`: the end state is not there and nothing is bringing it: (re)issue the call.
 */
export type Convergence = 'settled' | 'pending' | 'needs-change';

export function membershipConvergence(
  group: UserGroupSnapshot,
  userId: string,
  member: boolean,
): Convergence {
  const isMember = group.userIds.includes(userId);
  const busy =
    group.status !== 'active' ||
    group.pendingUserIdsToAdd.length > 0 ||
    group.pendingUserIdsToRemove.length > 0;
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
