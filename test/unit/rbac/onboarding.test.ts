import { describe, expect, it } from '@jest/globals';
import {
  onboardUserRequestSchema,
  planOnboarding,
  type OnboardingState,
  type OnboardUserRequest,
  type TargetCache,
} from '../../../functions/core/rbac/onboarding.js';
import type { UserGroupSnapshot, UserSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { refusal } from './builders.js';

const request = (extra: Record<string, unknown> = {}): OnboardUserRequest =>
  onboardUserRequestSchema.parse({
    userId: 'orders-app',
    userName: 'orders-app',
    accessString: 'on ~orders:* +@read',
    userGroupIds: ['app-users'],
    ...extra,
  });
const group = (extra: Partial<UserGroupSnapshot> = {}): UserGroupSnapshot => ({
  userGroupId: 'app-users',
  status: 'active',
  userIds: ['default'],
  pendingUserIdsToAdd: [],
  pendingUserIdsToRemove: [],
  ...extra,
});
const user = (userId: string, userName = userId): UserSnapshot => ({
  userId,
  userName,
  status: 'active',
  authenticationType: 'password',
  passwordCount: 1,
});
const state = (extra: Partial<OnboardingState> = {}): OnboardingState => ({
  users: [user('default')],
  userGroups: [group()],
  ...extra,
});

const CACHE_ARN = 'arn:aws:elasticache:eu-west-1:123456789012:replicationgroup:orders-rg';
const iamCache = (extra: Partial<TargetCache> = {}): TargetCache => ({
  cacheId: 'orders-rg',
  engine: 'redis',
  engineVersion: '7.1',
  arn: CACHE_ARN,
  transitEncryptionEnabled: true,
  ...extra,
});
const iamRequest = (extra: Record<string, unknown> = {}) =>
  request({ auth: 'iam', principalArn: 'arn:aws:iam::123456789012:role/orders', ...extra });

describe('the onboard-user request', () => {
  it('defaults to an ElastiCache Redis OSS user with a password, requested by cachegate', () => {
    expect(request()).toEqual({
      service: 'elasticache',
      userId: 'orders-app',
      userName: 'orders-app',
      engine: 'redis',
      auth: 'password',
      accessString: 'on ~orders:* +@read',
      userGroupIds: ['app-users'],
      requestedBy: 'cachegate',
    });
  });

  it('refuses a user group named twice', () => {
    const parsed = onboardUserRequestSchema.safeParse({
      userId: 'orders-app',
      userName: 'orders-app',
      accessString: 'on ~* +@read',
      userGroupIds: ['app-users', 'app-users'],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({ path: ['userGroupIds'], message: 'must not repeat a user group' }),
    ]);
    expect(
      onboardUserRequestSchema.safeParse({ ...request(), userGroupIds: ['app-users', 'ops-users'] }).success,
    ).toBe(true);
  });
});

describe('planOnboarding', () => {
  it('plans a password user: its secret, one password, the audit actor and the request ID', () => {
    expect(planOnboarding(request({ requestedBy: 'alice', requestId: 'req-7' }), state())).toEqual({
      service: 'elasticache',
      userId: 'orders-app',
      userName: 'orders-app',
      engine: 'redis',
      accessString: 'on ~orders:* +@read',
      userGroupIds: ['app-users'],
      secretName: 'cachegate/elasticache/users/orders-app',
      requestedBy: 'alice',
      requestId: 'req-7',
      auth: 'password',
      passwordCount: 1,
    });
    expect(planOnboarding(request(), state())).not.toHaveProperty('requestId');
    expect(planOnboarding(request(), state())).not.toHaveProperty('iam');
  });

  it('plans a MemoryDB user under the MemoryDB secret prefix', () => {
    expect(planOnboarding(request({ service: 'memorydb' }), state())).toMatchObject({
      service: 'memorydb',
      secretName: 'cachegate/memorydb/users/orders-app',
    });
  });

  it('refuses the built-in user ID "default" and a user named "default"', () => {
    expect(refusal(() => planOnboarding(request({ userId: 'default' }), state({ users: [] })))).toEqual({
      field: 'userId',
      message: 'userId: "default" is the built-in user and cannot be onboarded',
    });
    expect(refusal(() => planOnboarding(request({ userName: 'default' }), state({ users: [] })))).toEqual({
      field: 'userName',
      message: 'userName: a user named "default" replaces a group\'s default user: use harden-default-user',
    });
  });

  it('refuses a user ID or a user name another user has', () => {
    expect(refusal(() => planOnboarding(request(), state({ users: [user('orders-app', 'other')] })))).toEqual(
      {
        field: 'userId',
        message: 'userId: user ID orders-app is already taken',
      },
    );
    expect(refusal(() => planOnboarding(request(), state({ users: [user('other', 'orders-app')] })))).toEqual(
      {
        field: 'userName',
        message: 'userName: user name orders-app is already taken',
      },
    );
    expect(() => planOnboarding(request(), state({ users: [user('other', 'another')] }))).not.toThrow();
  });

  it('refuses a user when the account holds its quota of users, naming the service', () => {
    const users = [user('a'), user('b'), user('c')];
    const quotas = { usersPerAccount: 3, usersPerUserGroup: 100 };
    expect(refusal(() => planOnboarding(request(), state({ users, quotas })))).toEqual({
      field: 'userId',
      message: 'userId: the account already has 3 users, the ElastiCache quota is 3',
    });
    expect(refusal(() => planOnboarding(request({ service: 'memorydb' }), state({ users, quotas })))).toEqual(
      {
        field: 'userId',
        message: 'userId: the account already has 3 users, the MemoryDB quota is 3',
      },
    );
    expect(() =>
      planOnboarding(request(), state({ users: users.slice(1), quotas: { ...quotas, usersPerAccount: 3 } })),
    ).not.toThrow();
  });

  it("uses ElastiCache's documented quotas when none are given (1,000 users per account)", () => {
    const users = Array.from({ length: 1000 }, (_, i) => user(`u${i}`));
    expect(refusal(() => planOnboarding(request(), state({ users })))).toMatchObject({
      message: 'userId: the account already has 1000 users, the ElastiCache quota is 1000',
    });
    expect(() => planOnboarding(request(), state({ users: users.slice(1) }))).not.toThrow();
  });

  it('names the user group by its position when it is missing or being deleted', () => {
    const twoGroups = request({ userGroupIds: ['app-users', 'ops-users'] });
    expect(refusal(() => planOnboarding(twoGroups, state({ userGroups: [group(), undefined] })))).toEqual({
      field: 'userGroupIds.1',
      message: 'userGroupIds.1: user group ops-users does not exist',
    });
    expect(
      refusal(() =>
        planOnboarding(twoGroups, state({ userGroups: [group({ status: 'deleting' }), group()] })),
      ),
    ).toEqual({ field: 'userGroupIds.0', message: 'userGroupIds.0: user group app-users is being deleted' });
    expect(() =>
      planOnboarding(twoGroups, state({ userGroups: [group({ status: 'modifying' }), group()] })),
    ).not.toThrow();
  });

  it('counts members minus pending removals against the per-group quota', () => {
    const quotas = { usersPerAccount: 1000, usersPerUserGroup: 3 };
    const full = group({ userIds: ['default', 'a', 'b'] });
    expect(refusal(() => planOnboarding(request(), state({ userGroups: [full], quotas })))).toEqual({
      field: 'userGroupIds.0',
      message: 'userGroupIds.0: user group app-users has 3 users; adding one would exceed the quota of 3',
    });
    expect(() =>
      planOnboarding(
        request(),
        state({ userGroups: [group({ ...full, pendingUserIdsToRemove: ['b'] })], quotas }),
      ),
    ).not.toThrow();
  });

  describe('MemoryDB', () => {
    it('refuses a user name other than the user ID, and the built-in open-access ACL, calling groups ACLs', () => {
      expect(
        refusal(() => planOnboarding(request({ service: 'memorydb', userName: 'orders' }), state())),
      ).toEqual({
        field: 'userName',
        message: 'userName: MemoryDB users have no separate ID: userName must be orders-app',
      });
      expect(
        refusal(() =>
          planOnboarding(
            request({ service: 'memorydb', userGroupIds: ['app-users', 'open-access'] }),
            state({
              userGroups: [group(), group({ userGroupId: 'open-access' })],
            }),
          ),
        ),
      ).toEqual({
        field: 'userGroupIds.1',
        message: "userGroupIds.1: open-access is MemoryDB's built-in ACL and cannot be changed",
      });
      expect(
        refusal(() => planOnboarding(request({ service: 'memorydb' }), state({ userGroups: [undefined] }))),
      ).toEqual({ field: 'userGroupIds.0', message: 'userGroupIds.0: ACL app-users does not exist' });
    });

    it('refuses an upper-case user ID (MemoryDB stores names in lower case), naming the spelling to use', () => {
      // The request schema already refuses it; the rule holds for a request built without it too.
      const mixed = { ...request({ service: 'memorydb' }), userId: 'Orders-App', userName: 'Orders-App' };
      expect(refusal(() => planOnboarding(mixed, state()))).toEqual({
        field: 'userId',
        message: 'userId: MemoryDB stores user names in lower case: use orders-app',
      });
    });

    it('lets an ElastiCache user have a name other than its ID and a group called open-access', () => {
      expect(
        planOnboarding(request({ userName: 'orders', userGroupIds: ['open-access'] }), state()).userName,
      ).toBe('orders');
    });
  });

  describe('the access string', () => {
    it("is checked against the user's engine when no cache is attached, without a cache label", () => {
      expect(
        refusal(() => planOnboarding(request({ accessString: 'on ~* +nosuchcommand' }), state())),
      ).toEqual({
        field: 'accessString',
        message:
          'accessString: token 3 "+nosuchcommand" at position 6: unknown command "nosuchcommand" for redis 7.0',
      });
    });

    it('names a serverless cache as such, and ignores caches of other engines', () => {
      const targetCaches: TargetCache[] = [
        { cacheId: 'sessions', serverless: true, engine: 'redis', engineVersion: '7.1' },
      ];
      expect(
        refusal(() =>
          planOnboarding(request({ accessString: 'on ~* +nosuchcommand' }), state({ targetCaches })),
        ).message,
      ).toBe(
        'accessString: token 3 "+nosuchcommand" at position 6: unknown command "nosuchcommand" for redis 7.0 (serverless cache sessions)',
      );
      // A memcached cache has no access strings: the user's engine (Valkey here) decides alone.
      const valkeyOnly = request({ engine: 'valkey', accessString: 'on ~* -@all +waitaof' });
      expect(() =>
        planOnboarding(valkeyOnly, state({ targetCaches: [{ cacheId: 'mc', engine: 'memcached' }] })),
      ).not.toThrow();
      expect(() =>
        planOnboarding(
          { ...valkeyOnly, engine: 'redis' },
          state({ targetCaches: [{ cacheId: 'mc', engine: 'memcached' }] }),
        ),
      ).toThrow(/unknown command "waitaof" for redis 7\.0$/);
    });

    it('refuses a cache whose engine version it cannot read as that, not as a fault of the access string', () => {
      const targetCaches: TargetCache[] = [{ cacheId: 'odd', engine: 'redis', engineVersion: 'latest' }];
      expect(refusal(() => planOnboarding(request(), state({ targetCaches })))).toEqual({
        field: 'engineVersion',
        message: 'engineVersion: "latest" is not major.minor[.patch]',
      });
    });

    it('is checked before anything about the user', () => {
      expect(
        refusal(() =>
          planOnboarding(request({ userId: 'default', accessString: 'on ~* +nosuchcommand' }), state()),
        ).field,
      ).toBe('accessString');
    });
  });

  describe('IAM users', () => {
    it('plan a connect policy for exactly the caches the groups serve, in their account and partition', () => {
      const serverless: TargetCache = {
        cacheId: 'sessions',
        serverless: true,
        engine: 'valkey',
        arn: 'arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sessions',
        transitEncryptionEnabled: true,
      };
      const plan = planOnboarding(iamRequest(), state({ targetCaches: [iamCache(), serverless] }));
      expect(plan).toMatchObject({ auth: 'iam', passwordCount: 0 });
      expect(plan.iam).toEqual({
        principalArn: 'arn:aws:iam::123456789012:role/orders',
        policyName: 'cachegate-elasticache-connect-orders-app',
        policyArn: 'arn:aws:iam::123456789012:policy/cachegate/cachegate-elasticache-connect-orders-app',
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['elasticache:Connect'],
              Resource: [
                CACHE_ARN,
                'arn:aws:elasticache:eu-west-1:123456789012:serverlesscache:sessions',
                'arn:aws:elasticache:eu-west-1:123456789012:user:orders-app',
              ],
            },
          ],
        }),
        caches: [
          { cacheId: 'orders-rg', serverless: false },
          { cacheId: 'sessions', serverless: true },
        ],
      });

      const govArn = 'arn:aws-us-gov:elasticache:us-gov-west-1:123456789012:replicationgroup:orders-rg';
      expect(
        planOnboarding(
          iamRequest({ principalArn: 'arn:aws-us-gov:iam::123456789012:role/orders' }),
          state({ targetCaches: [iamCache({ arn: govArn })] }),
        ).iam?.policyArn,
      ).toBe('arn:aws-us-gov:iam::123456789012:policy/cachegate/cachegate-elasticache-connect-orders-app');
    });

    it('are ElastiCache users only, with a principal, a lower-case ID equal to the name', () => {
      const caches = { targetCaches: [iamCache()] };
      expect(refusal(() => planOnboarding(iamRequest({ service: 'memorydb' }), state(caches)))).toEqual({
        field: 'auth',
        message: 'auth: IAM authentication is supported for ElastiCache users only',
      });
      expect(refusal(() => planOnboarding(request({ auth: 'iam' }), state(caches)))).toEqual({
        field: 'principalArn',
        message: 'principalArn: an IAM user needs the IAM role or user ARN that will connect',
      });
      expect(
        refusal(() =>
          planOnboarding({ ...iamRequest(), userId: 'Orders-App', userName: 'Orders-App' }, state(caches)),
        ),
      ).toEqual({ field: 'userId', message: 'userId: IAM users need a lower-case user ID: use orders-app' });
      expect(refusal(() => planOnboarding(iamRequest({ userName: 'orders' }), state(caches)))).toEqual({
        field: 'userName',
        message: "userName: an IAM user's name must equal its user ID: use orders-app",
      });
    });

    it('need a cache to grant on, each one able to take IAM users and reporting its ARN', () => {
      expect(refusal(() => planOnboarding(iamRequest(), state()))).toEqual({
        field: 'userGroupIds',
        message:
          'userGroupIds: the user groups serve no cache yet: IAM access is granted per cache, attach the group first',
      });
      expect(
        refusal(() =>
          planOnboarding(
            iamRequest(),
            state({
              targetCaches: [iamCache(), iamCache({ cacheId: 'plain', transitEncryptionEnabled: undefined })],
            }),
          ),
        ),
      ).toEqual({
        field: 'auth',
        message: 'auth: IAM authentication is not possible: cache plain has no in-transit encryption (TLS)',
      });
      expect(
        refusal(() =>
          planOnboarding(iamRequest(), state({ targetCaches: [iamCache({ engineVersion: undefined })] })),
        ),
      ).toEqual({
        field: 'auth',
        message:
          'auth: IAM authentication is not possible: cache orders-rg does not report its Redis OSS version; IAM authentication needs 7.0 or later',
      });
      expect(
        refusal(() =>
          planOnboarding(iamRequest(), state({ targetCaches: [iamCache({ engineVersion: '6.2' })] })),
        ),
      ).toMatchObject({ field: 'auth', message: expect.stringContaining('runs Redis OSS 6.2') });
      expect(
        refusal(() => planOnboarding(iamRequest(), state({ targetCaches: [iamCache({ arn: undefined })] }))),
      ).toEqual({ field: 'userGroupIds', message: 'userGroupIds: cache orders-rg reports no ARN' });
    });

    it("refuse a principal outside the caches' account", () => {
      expect(
        refusal(() =>
          planOnboarding(
            iamRequest({ principalArn: 'arn:aws:iam::210987654321:user/alice' }),
            state({ targetCaches: [iamCache()] }),
          ),
        ),
      ).toEqual({
        field: 'principalArn',
        message:
          "principalArn: the principal is in account 210987654321, the caches in 123456789012: cachegate grants only within the caches' account",
      });
    });

    it('are checked before the user ID is looked up', () => {
      expect(
        refusal(() =>
          planOnboarding(iamRequest({ service: 'memorydb' }), state({ users: [user('orders-app')] })),
        ).field,
      ).toBe('auth');
    });
  });
});
