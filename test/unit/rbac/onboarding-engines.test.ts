import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../../functions/core/errors.js';
import {
  onboardUserRequestSchema,
  planOnboarding,
  type TargetCache,
} from '../../../functions/core/rbac/onboarding.js';

const group = {
  userGroupId: 'app-users',
  status: 'active',
  userIds: ['default'],
  pendingUserIdsToAdd: [],
  pendingUserIdsToRemove: [],
};
const request = (accessString: string, engine: 'redis' | 'valkey' = 'redis') =>
  onboardUserRequestSchema.parse({
    userId: 'app',
    userName: 'app',
    engine,
    accessString,
    userGroupIds: ['app-users'],
  });
const plan = (accessString: string, targetCaches: TargetCache[], engine: 'redis' | 'valkey' = 'redis') =>
  planOnboarding(request(accessString, engine), { users: [], userGroups: [group], targetCaches });

describe('onboarding checks the access string against the engines of the target caches', () => {
  it('accepts a Valkey 8.0 command for a group serving a Valkey 8.0 cache', () => {
    expect(
      plan('on ~* -@all +client|capa', [{ cacheId: 'vk', engine: 'valkey', engineVersion: '8.0.1' }]),
    ).toMatchObject({
      accessString: 'on ~* -@all +client|capa',
    });
  });

  it('refuses it when the group also serves a Redis OSS cache, naming that cache', () => {
    expect(() =>
      plan('on ~* -@all +client|capa', [
        { cacheId: 'vk', engine: 'valkey', engineVersion: '8.0' },
        { cacheId: 'orders-cache', engine: 'redis' },
      ]),
    ).toThrow(
      new ValidationError(
        'token 4 "+client|capa" at position 12: unknown subcommand "client|capa" for redis 7.0 (cache orders-cache)',
        'accessString',
      ),
    );
  });

  it('assumes the first RBAC-capable version when the cache does not report one', () => {
    expect(() => plan('on ~* -@all +client|capa', [{ cacheId: 'vk', engine: 'valkey' }])).toThrow(
      /for valkey 7\.2 \(cache vk\)/,
    );
    expect(plan('on ~* -@all +waitaof', [{ cacheId: 'vk', engine: 'valkey' }]).accessString).toBe(
      'on ~* -@all +waitaof',
    );
  });

  it("uses the user's engine when no cache is attached yet", () => {
    expect(plan('on ~* -@all +waitaof', [], 'valkey').engine).toBe('valkey');
    expect(() => plan('on ~* -@all +waitaof', [], 'redis')).toThrow(
      /unknown command "waitaof" for redis 7\.0/,
    );
  });
});
