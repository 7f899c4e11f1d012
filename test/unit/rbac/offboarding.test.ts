import { describe, expect, it } from '@jest/globals';
import { NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { offboardUserRequestSchema, planOffboarding } from '../../../functions/core/rbac/offboarding.js';
import type { UserGroupSnapshot, UserSnapshot } from '../../../functions/core/rbac/snapshots.js';

const request = (extra: Record<string, unknown> = {}) =>
  offboardUserRequestSchema.parse({ userId: 'orders-app', ...extra });
const user = (extra: Partial<UserSnapshot> = {}): UserSnapshot => ({
  userId: 'orders-app',
  userName: 'orders-app',
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
  ...extra,
});
const group = (userGroupId: string, extra: Partial<UserGroupSnapshot> = {}): UserGroupSnapshot => ({
  userGroupId,
  status: 'active',
  userIds: ['default'],
  pendingUserIdsToAdd: [],
  pendingUserIdsToRemove: [],
  ...extra,
});

describe('planOffboarding', () => {
  it('leaves every group the user is in or being added to, and deletes its secret', () => {
    const userGroups = [
      group('member', { userIds: ['default', 'orders-app'] }),
      group('joining', { status: 'modifying', pendingUserIdsToAdd: ['orders-app'] }),
      group('unrelated', { userIds: ['default', 'orders-app-2'] }),
    ];
    expect(
      planOffboarding(request({ requestedBy: 'alice', requestId: 'req-9' }), {
        user: user(),
        userGroups,
        secretExists: true,
      }),
    ).toEqual({
      service: 'elasticache',
      userId: 'orders-app',
      userExists: true,
      alreadyOffboarded: false,
      userGroupIds: ['member', 'joining'],
      secretName: 'cachegate/elasticache/users/orders-app',
      requestedBy: 'alice',
      requestId: 'req-9',
    });
  });

  it('plans a MemoryDB user with its own secret prefix, and leaves the request ID out when there is none', () => {
    const plan = planOffboarding(request({ service: 'memorydb' }), {
      user: user(),
      userGroups: [],
      secretExists: false,
    });
    expect(plan).toMatchObject({ service: 'memorydb', secretName: 'cachegate/memorydb/users/orders-app' });
    expect(plan).not.toHaveProperty('requestId');
  });

  it('finishes a user whose secret is all that is left, and recognises a finished offboarding', () => {
    const secretOnly = { user: undefined, userGroups: [], secretExists: true };
    expect(planOffboarding(request(), secretOnly)).toMatchObject({
      userExists: false,
      alreadyOffboarded: false,
    });
    expect(planOffboarding(request(), { ...secretOnly, secretScheduledForDeletion: true })).toMatchObject({
      userExists: false,
      alreadyOffboarded: true,
    });
    // A user still there is not offboarded, whatever its secret's state.
    expect(
      planOffboarding(request(), {
        user: user(),
        userGroups: [],
        secretExists: true,
        secretScheduledForDeletion: true,
      }).alreadyOffboarded,
    ).toBe(false);
  });

  it('refuses a user that does not exist and has no secret, as not found', () => {
    let thrown: unknown;
    try {
      planOffboarding(request(), { user: undefined, userGroups: [], secretExists: false });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NotFoundError);
    expect((thrown as Error).message).toBe(
      'userId: user orders-app does not exist and has no cachegate secret',
    );
  });

  it('refuses the built-in user, and a default user still in a group, naming the groups', () => {
    expect(() =>
      planOffboarding(request({ userId: 'default' }), {
        user: undefined,
        userGroups: [],
        secretExists: true,
      }),
    ).toThrow(new ValidationError('"default" is the built-in user and cannot be offboarded', 'userId'));
    const guard = user({ userId: 'guard', userName: 'default' });
    const userGroups = [group('a', { userIds: ['guard'] }), group('b', { pendingUserIdsToAdd: ['guard'] })];
    expect(() =>
      planOffboarding(request({ userId: 'guard' }), { user: guard, userGroups, secretExists: true }),
    ).toThrow(
      new ValidationError(
        'user guard is the default user of a, b; swap in another default user first',
        'userId',
      ),
    );
    // A user named default in no group is nobody's default user: it may go.
    expect(
      planOffboarding(request({ userId: 'guard' }), { user: guard, userGroups: [], secretExists: true })
        .userGroupIds,
    ).toEqual([]);
  });
});
