import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { rbacIdentifier } from './identifier.js';
import { authTokenSecretArnSchema } from './migration.js';
import type { ReplicationGroupSnapshot } from './snapshots.js';

/**
 * rollback-to-auth: undo an AUTH → RBAC migration with the command the ElastiCache AUTH guide
 * gives ("Migrating from RBAC to AUTH"): `ModifyReplicationGroup` with `UserGroupIdsToRemove`,
 * `AuthToken` and `AuthTokenUpdateStrategy=SET`. The token is the token secret's AWSCURRENT (the
 * one the migration was given, or a newer one), so token clients log in again.
 */
export const rollbackToAuthRequestSchema = z.object({
  replicationGroupId: rbacIdentifier,
  authTokenSecretArn: authTokenSecretArnSchema,
  requestedBy: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'cachegate'),
});
export type RollbackToAuthRequest = z.infer<typeof rollbackToAuthRequestSchema>;

export interface RollbackPlan {
  replicationGroupId: string;
  /** The user group to remove: the group's only one. */
  userGroupId: string;
}

/**
 * Checks before any change; every error names the field. The token's check result comes in as a
 * reason (never the token itself).
 */
export function planRollbackToAuth(
  request: RollbackToAuthRequest,
  group: ReplicationGroupSnapshot | undefined,
  token: { readable: true; invalidReason?: string } | { readable: false },
): RollbackPlan {
  const id = request.replicationGroupId;
  if (!group) throw new ValidationError(`replication group ${id} does not exist`, 'replicationGroupId');
  if (!group.transitEncryptionEnabled) {
    throw new ValidationError(
      `replication group ${id} has no in-transit encryption: AUTH needs TLS`,
      'replicationGroupId',
    );
  }
  if (group.authTokenEnabled)
    throw new ValidationError(`replication group ${id} is already on AUTH`, 'replicationGroupId');
  const userGroupId = group.userGroupIds[0];
  if (userGroupId === undefined) {
    throw new ValidationError(
      `replication group ${id} uses no user group: there is no migration to undo`,
      'replicationGroupId',
    );
  }
  if (
    group.status !== 'available' ||
    group.pendingUserGroupIdsToAdd.length + group.pendingUserGroupIdsToRemove.length > 0
  ) {
    throw new ValidationError(
      `replication group ${id} is ${group.status} with a change pending: wait until it is available`,
      'replicationGroupId',
    );
  }
  if (!token.readable) {
    throw new ValidationError(`secret ${request.authTokenSecretArn} cannot be read`, 'authTokenSecretArn');
  }
  if (token.invalidReason !== undefined) {
    throw new ValidationError(
      `the AWSCURRENT value of ${request.authTokenSecretArn} is not a valid AUTH token: it ${token.invalidReason}`,
      'authTokenSecretArn',
    );
  }
  return { replicationGroupId: id, userGroupId };
}
