import { expect } from '@jest/globals';
import { ValidationError } from '../../../functions/core/errors.js';
import type { ReplicationGroupSnapshot, UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';

/**
 * The plain data the RBAC planning takes, for its unit tests: each builder gives an ordinary
 * value (an active password user, an available replication group on RBAC) that a test changes
 * only where its case differs.
 */

/** The field a refusal names and its message as thrown (ValidationError prefixes the field). */
export function refusal(plan: () => unknown): { field: string | undefined; message: string } {
  try {
    plan();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { field: (error as ValidationError).field, message: (error as ValidationError).message };
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

/** An active password user with one password, named after its ID. */
export const detailedUser = (
  userId: string,
  extra: Partial<UserDetailSnapshot> = {},
): UserDetailSnapshot => ({
  userId,
  userName: userId,
  accessString: 'on ~* +@read',
  engine: 'redis',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
  ...extra,
});

/** `orders-rg`, available, with TLS, on RBAC with `userGroupIds`, nothing pending. */
export const replicationGroupOnRbac = (
  userGroupIds: string[],
  extra: Partial<ReplicationGroupSnapshot> = {},
): ReplicationGroupSnapshot => ({
  replicationGroupId: 'orders-rg',
  status: 'available',
  engine: 'redis',
  transitEncryptionEnabled: true,
  authTokenEnabled: false,
  userGroupIds,
  pendingUserGroupIdsToAdd: [],
  pendingUserGroupIdsToRemove: [],
  ...extra,
});
