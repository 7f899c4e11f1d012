import { describe, expect, it } from '@jest/globals';
import { claimSubject, isUserBusyReason, userBusyReason } from '../../../functions/core/rbac/user-claim.js';

describe('whose claim a workflow step takes', () => {
  it('the request names the user (and its service); the plan names the default user, always ElastiCache', () => {
    expect(claimSubject({ userId: 'orders-app' }, 'request')).toEqual({
      userId: 'orders-app',
      service: 'elasticache',
    });
    expect(claimSubject({ userId: 'orders-app', service: 'memorydb' }, 'request')).toEqual({
      userId: 'orders-app',
      service: 'memorydb',
    });
    expect(
      claimSubject(
        {
          userId: 'orders-app',
          service: 'memorydb',
          plan: { defaultUser: { userId: 'cache-users-default' } },
        },
        'default-user',
      ),
    ).toEqual({ userId: 'cache-users-default', service: 'elasticache' });
  });

  it('nothing when the state names no usable user (a malformed request, a MemoryDB plan)', () => {
    expect(claimSubject({}, 'request')).toBeUndefined();
    expect(claimSubject({ userId: 42 }, 'request')).toBeUndefined();
    expect(claimSubject({ userId: '' }, 'request')).toBeUndefined();
    expect(claimSubject({ userId: 'u'.repeat(129) }, 'request')).toBeUndefined();
    expect(claimSubject({ userId: 'u'.repeat(128) }, 'request')?.userId).toHaveLength(128);
    expect(claimSubject({ userId: 'orders-app' }, 'default-user')).toBeUndefined();
    expect(claimSubject({ userId: 'orders-app', plan: {} }, 'default-user')).toBeUndefined();
    expect(claimSubject({ plan: { defaultUser: {} } }, 'default-user')).toBeUndefined();
  });
});

describe('the "user busy" reason', () => {
  it('names the user and the holder, and is recognised as such', () => {
    const reason = userBusyReason(
      'orders-app',
      'arn:aws:states:eu-west-1:123456789012:execution:rotate:run-1',
    );
    expect(reason).toBe(
      'another workflow is changing user orders-app (arn:aws:states:eu-west-1:123456789012:execution:rotate:run-1)',
    );
    expect(isUserBusyReason(reason)).toBe(true);
    expect(isUserBusyReason('user orders-app does not exist')).toBe(false);
    expect(isUserBusyReason(`skipped: ${reason}`)).toBe(false);
    expect(isUserBusyReason(undefined)).toBe(false);
  });
});
