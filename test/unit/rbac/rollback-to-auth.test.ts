import { describe, expect, it } from '@jest/globals';
import {
  planRollbackToAuth,
  rollbackToAuthRequestSchema,
} from '../../../functions/core/rbac/rollback-to-auth.js';
import type { ReplicationGroupSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { refusal, replicationGroupOnRbac } from './builders.js';

const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cachegate/elasticache/auth-tokens/orders-AbCdEf';
const request = rollbackToAuthRequestSchema.parse({
  replicationGroupId: 'orders-rg',
  authTokenSecretArn: SECRET_ARN,
});
const onRbac = (extra: Partial<ReplicationGroupSnapshot> = {}) =>
  replicationGroupOnRbac(['orders-rg-users'], extra);
const readable = { readable: true } as const;

describe('planRollbackToAuth', () => {
  it("removes the group's only user group when the group is settled on RBAC and the token is valid", () => {
    expect(planRollbackToAuth(request, onRbac(), readable)).toEqual({
      replicationGroupId: 'orders-rg',
      userGroupId: 'orders-rg-users',
    });
    expect(
      rollbackToAuthRequestSchema.parse({ replicationGroupId: 'orders-rg', authTokenSecretArn: SECRET_ARN })
        .requestedBy,
    ).toBe('cachegate');
  });

  it('refuses, naming the replication group, what has nothing to undo or cannot take AUTH', () => {
    const group = (snapshot: ReplicationGroupSnapshot | undefined) =>
      refusal(() => planRollbackToAuth(request, snapshot, readable));
    expect(group(undefined)).toEqual({
      field: 'replicationGroupId',
      message: 'replicationGroupId: replication group orders-rg does not exist',
    });
    expect(group(onRbac({ transitEncryptionEnabled: false }))).toEqual({
      field: 'replicationGroupId',
      message: 'replicationGroupId: replication group orders-rg has no in-transit encryption: AUTH needs TLS',
    });
    expect(group(onRbac({ authTokenEnabled: true }))).toEqual({
      field: 'replicationGroupId',
      message: 'replicationGroupId: replication group orders-rg is already on AUTH',
    });
    expect(group(onRbac({ userGroupIds: [] }))).toEqual({
      field: 'replicationGroupId',
      message:
        'replicationGroupId: replication group orders-rg uses no user group: there is no migration to undo',
    });
  });

  it('waits for a group that is modifying or has a user-group change pending', () => {
    const busy =
      'replicationGroupId: replication group orders-rg is modifying with a change pending: wait until it is available';
    expect(
      refusal(() => planRollbackToAuth(request, onRbac({ status: 'modifying' }), readable)).message,
    ).toBe(busy);
    expect(
      refusal(() => planRollbackToAuth(request, onRbac({ pendingUserGroupIdsToAdd: ['other'] }), readable))
        .message,
    ).toBe(busy.replace('is modifying', 'is available'));
    expect(
      refusal(() =>
        planRollbackToAuth(request, onRbac({ pendingUserGroupIdsToRemove: ['orders-rg-users'] }), readable),
      ).message,
    ).toBe(busy.replace('is modifying', 'is available'));
  });

  it('needs a readable, valid token, and names the rule it breaks, never the value', () => {
    expect(refusal(() => planRollbackToAuth(request, onRbac(), { readable: false }))).toEqual({
      field: 'authTokenSecretArn',
      message: `authTokenSecretArn: secret ${SECRET_ARN} cannot be read`,
    });
    expect(
      refusal(() =>
        planRollbackToAuth(request, onRbac(), {
          readable: true,
          invalidReason: 'is shorter than 16 characters',
        }),
      ),
    ).toEqual({
      field: 'authTokenSecretArn',
      message: `authTokenSecretArn: the AWSCURRENT value of ${SECRET_ARN} is not a valid AUTH token: it is shorter than 16 characters`,
    });
  });
});
