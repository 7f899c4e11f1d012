import { describe, expect, it } from '@jest/globals';
import {
  migrateToRbacRequestSchema,
  planMigration,
  type MigrationState,
} from '../../../functions/core/rbac/migration.js';
import type { ReplicationGroupSnapshot, UserDetailSnapshot } from '../../../functions/core/rbac/snapshots.js';
import { detailedUser as user, refusal } from './builders.js';

/** The user group `cache-users`, active, with its default user and `app`, nothing pending. */
const cacheUsersGroup = (extra: object = {}) => ({
  userGroupId: 'cache-users',
  engine: 'redis',
  status: 'active',
  userIds: ['cache-users-default', 'app'],
  pendingUserIdsToAdd: [] as string[],
  pendingUserIdsToRemove: [] as string[],
  ...extra,
});

const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cachegate/elasticache/auth-tokens/cache-AbCdEf';

const rg = (extra: Partial<ReplicationGroupSnapshot> = {}): ReplicationGroupSnapshot => ({
  replicationGroupId: 'cache',
  engine: 'redis',
  status: 'available',
  transitEncryptionEnabled: true,
  authTokenEnabled: false,
  userGroupIds: [],
  pendingUserGroupIdsToAdd: [],
  pendingUserGroupIdsToRemove: [],
  ...extra,
});
const state = (extra: Partial<MigrationState> = {}): MigrationState => ({
  replicationGroup: rg(),
  userGroup: undefined,
  users: [user('default', { accessString: 'on ~* &* +@all' }), user('app'), user('ops')],
  userGroupCount: 0,
  engineVersion: '7.1',
  ...extra,
});
const request = (input: object = {}) =>
  migrateToRbacRequestSchema.parse({ replicationGroupId: 'cache', userIds: ['app'], ...input });
const memoryDb = (input: object = {}) => request({ service: 'memorydb', ...input });

describe('the migrate-to-rbac request', () => {
  it('takes exactly one of replicationGroupId and serverlessCacheName', () => {
    for (const input of [{}, { replicationGroupId: 'cache', serverlessCacheName: 'sessions' }]) {
      const parsed = migrateToRbacRequestSchema.safeParse(input);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues).toEqual([
        expect.objectContaining({
          code: 'custom',
          path: ['replicationGroupId'],
          message: 'give either replicationGroupId or serverlessCacheName',
        }),
      ]);
    }
  });

  it('carries the kind of target in `serverless`, and means the same when parsed again', () => {
    const serverless = migrateToRbacRequestSchema.parse({ serverlessCacheName: 'sessions' });
    expect(serverless).toEqual({
      service: 'elasticache',
      replicationGroupId: 'sessions',
      serverless: true,
      userIds: [],
      requestedBy: 'cachegate',
    });
    expect(migrateToRbacRequestSchema.parse(serverless)).toEqual(serverless);
    expect(migrateToRbacRequestSchema.parse({ replicationGroupId: 'cache' }).serverless).toBe(false);
  });

  it('refuses a user named twice, more than 99 users, and a token secret outside the AUTH token prefix', () => {
    const issues = (input: object) =>
      migrateToRbacRequestSchema
        .safeParse({ replicationGroupId: 'cache', ...input })
        .error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues({ userIds: ['app', 'app'] })).toEqual(['userIds: must not repeat a user']);
    expect(issues({ userIds: Array.from({ length: 99 }, (_, i) => `u${i}`) })).toBeUndefined();
    expect(issues({ userIds: Array.from({ length: 100 }, (_, i) => `u${i}`) })).toHaveLength(1);
    expect(issues({ authTokenSecretArn: SECRET_ARN })).toBeUndefined();
    expect(
      issues({ authTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:other/cache' }),
    ).toEqual([
      'authTokenSecretArn: must be the ARN of a Secrets Manager secret named cachegate/elasticache/auth-tokens/...',
    ]);
  });
});

describe('planMigration', () => {
  it('plans a locked default user, the members default first, the audit fields and the request ID', () => {
    expect(planMigration(request({ requestedBy: 'alice', requestId: 'req-1' }), state())).toEqual({
      service: 'elasticache',
      replicationGroupId: 'cache',
      serverless: false,
      userGroupId: 'cache-users',
      userGroupIds: ['cache-users'],
      userId: 'cache-users-default',
      defaultUser: {
        userId: 'cache-users-default',
        userName: 'default',
        engine: 'redis',
        accessString: 'off -@all',
        secretName: 'cachegate/elasticache/users/cache-users-default',
        create: true,
        passwordCount: 1,
      },
      engine: 'redis',
      memberIds: ['cache-users-default', 'app'],
      createUserGroup: true,
      requestedBy: 'alice',
      requestId: 'req-1',
    });
    const plain = planMigration(request(), state());
    expect(plain).not.toHaveProperty('requestId');
    expect(plain).not.toHaveProperty('authToken');
  });

  it('names the target the way its service does when it is missing or has no TLS', () => {
    const cases: [object, string, string, string][] = [
      [
        request(),
        'replicationGroupId',
        'replication group cache',
        'ElastiCache RBAC requires TLS: enable it first',
      ],
      [
        request({ replicationGroupId: undefined, serverlessCacheName: 'cache' }),
        'serverlessCacheName',
        'serverless cache cache',
        'serverless caches accept TLS only',
      ],
      [
        memoryDb(),
        'replicationGroupId',
        'MemoryDB cluster cache',
        'only the open-access ACL works without TLS',
      ],
    ];
    for (const [req, field, target, tls] of cases) {
      const parsed = migrateToRbacRequestSchema.parse(req);
      expect(refusal(() => planMigration(parsed, state({ replicationGroup: undefined })))).toEqual({
        field,
        message: `${field}: ${target} does not exist`,
      });
      expect(
        refusal(() =>
          planMigration(parsed, state({ replicationGroup: rg({ transitEncryptionEnabled: false }) })),
        ),
      ).toEqual({ field, message: `${field}: ${target} has in-transit encryption (TLS) off; ${tls}` });
    }
  });

  it('names a serverless cache in the engine version check', () => {
    expect(
      refusal(() =>
        planMigration(
          request({ replicationGroupId: undefined, serverlessCacheName: 'cache' }),
          state({ engineVersion: '5.0.6' }),
        ),
      ),
    ).toEqual({
      field: 'serverlessCacheName',
      message:
        'serverlessCacheName: serverless cache cache runs Redis OSS 5.0.6; RBAC needs Redis OSS 6.0 or later: upgrade the engine first',
    });
  });

  describe('MemoryDB', () => {
    it('moves a cluster to a new ACL `<cluster>-acl` holding exactly the given users, whatever the engine version', () => {
      expect(planMigration(memoryDb(), state({ engineVersion: undefined }))).toEqual({
        service: 'memorydb',
        replicationGroupId: 'cache',
        serverless: false,
        userGroupId: 'cache-acl',
        userGroupIds: ['cache-acl'],
        engine: 'redis',
        memberIds: ['app'],
        createUserGroup: true,
        requestedBy: 'cachegate',
      });
    });

    it('refuses a serverless target, an AUTH token secret, a default user ID and an empty user list', () => {
      expect(refusal(() => planMigration({ ...memoryDb(), serverless: true }, state()))).toEqual({
        field: 'serverlessCacheName',
        message: 'serverlessCacheName: MemoryDB has no serverless caches: name a cluster',
      });
      expect(refusal(() => planMigration(memoryDb({ authTokenSecretArn: SECRET_ARN }), state()))).toEqual({
        field: 'authTokenSecretArn',
        message: 'authTokenSecretArn: MemoryDB clusters have no AUTH token: leave authTokenSecretArn out',
      });
      expect(refusal(() => planMigration(memoryDb({ defaultUserId: 'cache-default' }), state()))).toEqual({
        field: 'defaultUserId',
        message: 'defaultUserId: MemoryDB ACLs have no default user: leave defaultUserId out',
      });
      expect(refusal(() => planMigration(memoryDb({ userIds: [] }), state()))).toEqual({
        field: 'userIds',
        message:
          'userIds: give at least one user: an ACL without users would lock every client out of MemoryDB cluster cache',
      });
    });

    it("calls the open-access user by its role, and counts ACLs against MemoryDB's quota", () => {
      expect(refusal(() => planMigration(memoryDb({ userIds: ['app', 'default'] }), state()))).toEqual({
        field: 'userIds.1',
        message:
          "userIds.1: user default is MemoryDB's open-access user; name the users the ACL should admit",
      });
      expect(refusal(() => planMigration(memoryDb(), state({ userGroupCount: 100 })))).toEqual({
        field: 'userGroupId',
        message: 'userGroupId: the account already has 100 ACLs, the MemoryDB quota is 100',
      });
      expect(
        refusal(() =>
          planMigration(
            memoryDb(),
            state({ replicationGroup: rg({ userGroupIds: ['open-access', 'team'] }) }),
          ),
        ),
      ).toMatchObject({
        message: expect.stringContaining(
          'already uses ACL open-access (one ACL per cluster; add users to it with onboard-user)',
        ),
      });
    });

    it("lets a Valkey ACL hold users without a password (the Valkey rule is ElastiCache's)", () => {
      const users = [user('app', { authenticationType: 'no-password', engine: 'valkey' })];
      expect(
        planMigration(memoryDb(), state({ replicationGroup: rg({ engine: 'valkey' }), users })).memberIds,
      ).toEqual(['app']);
    });
  });

  describe('the replication group', () => {
    it('may hold no user group other than the one being created, pending changes included', () => {
      const other = (extra: Partial<ReplicationGroupSnapshot>) =>
        refusal(() => planMigration(request(), state({ replicationGroup: rg(extra) })));
      expect(other({ userGroupIds: ['cache-users', 'team'] })).toEqual({
        field: 'replicationGroupId',
        message:
          'replicationGroupId: replication group cache already uses user group team (one user group per replication group)',
      });
      expect(other({ pendingUserGroupIdsToAdd: ['team'] })).toMatchObject({
        message: expect.stringContaining('already uses user group team'),
      });
      expect(
        refusal(() =>
          planMigration(
            request({ replicationGroupId: undefined, serverlessCacheName: 'cache' }),
            state({
              replicationGroup: rg({ userGroupIds: ['team'] }),
            }),
          ),
        ),
      ).toEqual({
        field: 'serverlessCacheName',
        message:
          'serverlessCacheName: serverless cache cache already uses user group team (a serverless cache has one user group; add users to it with onboard-user)',
      });
      // A group being detached is no longer in the way.
      expect(
        planMigration(
          request(),
          state({ replicationGroup: rg({ userGroupIds: ['team'], pendingUserGroupIdsToRemove: ['team'] }) }),
        ).userGroupId,
      ).toBe('cache-users');
    });
  });

  describe('the users', () => {
    it('must exist and not be being deleted, named by position', () => {
      expect(refusal(() => planMigration(request({ userIds: ['app', 'ghost'] }), state()))).toEqual({
        field: 'userIds.1',
        message: 'userIds.1: user ghost does not exist',
      });
      const users = [...state().users, user('gone', { status: 'deleting' })];
      expect(refusal(() => planMigration(request({ userIds: ['app', 'gone'] }), state({ users })))).toEqual({
        field: 'userIds.1',
        message: 'userIds.1: user gone is being deleted',
      });
    });

    it('of a Valkey group need a password or IAM; a Redis OSS group takes any', () => {
      const users = [
        user('open', { authenticationType: 'no-password' }),
        user('iam-app', { authenticationType: 'iam' }),
        user('app'),
      ];
      const valkey = state({ replicationGroup: rg({ engine: 'valkey' }), users, engineVersion: '8.0' });
      expect(refusal(() => planMigration(request({ userIds: ['app', 'open'] }), valkey))).toEqual({
        field: 'userIds.1',
        message:
          'userIds.1: user open requires no password; a valkey user group can hold only users with a password or IAM authentication',
      });
      expect(planMigration(request({ userIds: ['app', 'iam-app'] }), valkey).memberIds).toEqual([
        'cache-users-default',
        'app',
        'iam-app',
      ]);
      expect(planMigration(request({ userIds: ['open'] }), state({ users })).memberIds).toEqual([
        'cache-users-default',
        'open',
      ]);
    });

    it('may not include a user named "default", nor the default user itself', () => {
      const users = [...state().users, user('legacy', { userName: 'default' })];
      expect(refusal(() => planMigration(request({ userIds: ['legacy'] }), state({ users })))).toEqual({
        field: 'userIds.0',
        message: 'userIds.0: user legacy is named "default"; the group gets its own locked default user',
      });
      // The default user is named "default" (refused above as a member); any other user under
      // the default user's ID is refused as the default user.
      const squatter = [...state().users, user('cache-users-default', { accessString: 'off -@all' })];
      expect(
        refusal(() =>
          planMigration(request({ userIds: ['app', 'cache-users-default'] }), state({ users: squatter })),
        ),
      ).toEqual({
        field: 'defaultUserId',
        message:
          'defaultUserId: user cache-users-default exists and is not a locked user named "default" (access string "off -@all")',
      });
    });
  });

  describe('the default user', () => {
    it('uses the given ID, and is reused when a locked user named default has it', () => {
      const users = [
        ...state().users,
        user('cache-guard', { userName: 'default', accessString: 'off -@all', passwordCount: 2 }),
      ];
      expect(planMigration(request({ defaultUserId: 'cache-guard' }), state({ users })).defaultUser).toEqual({
        userId: 'cache-guard',
        userName: 'default',
        engine: 'redis',
        accessString: 'off -@all',
        secretName: 'cachegate/elasticache/users/cache-guard',
        create: false,
        passwordCount: 2,
      });
    });

    it('asks for an explicit default user ID when the derived one would be too long, naming that field', () => {
      const longGroup = `g${'x'.repeat(33)}`;
      expect(refusal(() => planMigration(request({ userGroupId: longGroup }), state()))).toEqual({
        field: 'defaultUserId',
        message: `defaultUserId: "${longGroup}-default" is not a valid ID; give defaultUserId explicitly`,
      });
    });

    it('plans it again, locked, on a rerun whose default user is gone', () => {
      const group = cacheUsersGroup();
      const plan = planMigration(
        request(),
        state({ replicationGroup: rg({ userGroupIds: ['cache-users'] }), userGroup: group }),
      );
      expect(plan.defaultUser).toMatchObject({ accessString: 'off -@all', create: true });
    });

    it('counts against the account quota only when it is created', () => {
      const quotas = { usersPerAccount: 3, userGroupsPerAccount: 100 };
      expect(refusal(() => planMigration(request(), state({ quotas })))).toEqual({
        field: 'defaultUserId',
        message: 'defaultUserId: the account already has 3 users, the ElastiCache quota is 3',
      });
      expect(() =>
        planMigration(request(), state({ quotas: { ...quotas, usersPerAccount: 4 } })),
      ).not.toThrow();
      const existing = user('cache-users-default', { userName: 'default', accessString: 'off -@all' });
      expect(
        planMigration(
          request(),
          state({ users: [...state().users, existing], quotas: { ...quotas, usersPerAccount: 4 } }),
        ).defaultUser?.create,
      ).toBe(false);
    });

    it("carries the token clients' access on a rerun after the AUTH token is gone, and stays locked otherwise", () => {
      const attached = rg({ userGroupIds: ['cache-users'] });
      const token = user('cache-users-default', { userName: 'default', accessString: 'on ~* &* +@all' });
      const locked = user('cache-users-default', { userName: 'default', accessString: 'off -@all' });
      const group = cacheUsersGroup();
      const rerun = (defaultUser: UserDetailSnapshot) =>
        planMigration(
          // The rerun names the secret again: the group no longer has AUTH, which is no error now.
          request({ authTokenSecretArn: SECRET_ARN }),
          state({ replicationGroup: attached, userGroup: group, users: [...state().users, defaultUser] }),
        );
      expect(rerun(token)).toMatchObject({
        createUserGroup: false,
        defaultUser: { accessString: 'on ~* &* +@all', create: false },
      });
      expect(rerun(token)).not.toHaveProperty('authToken');
      expect(rerun(locked).defaultUser).toMatchObject({ accessString: 'off -@all', create: false });
      // Not a rerun: the same token user is refused as the locked default.
      expect(
        refusal(() => planMigration(request(), state({ users: [...state().users, token] }))),
      ).toMatchObject({ field: 'defaultUserId' });
    });
  });

  describe('the AUTH token', () => {
    const onAuth = (extra: Partial<MigrationState> = {}) =>
      state({ replicationGroup: rg({ authTokenEnabled: true }), ...extra });

    it("becomes the password of the default user, which keeps the token clients' access", () => {
      const plan = planMigration(
        request({ authTokenSecretArn: SECRET_ARN }),
        onAuth({ authTokenSecret: { arn: SECRET_ARN, versionId: 'v-1' } }),
      );
      expect(plan.authToken).toEqual({ arn: SECRET_ARN, versionId: 'v-1', format: 'auth-token' });
      expect(plan.defaultUser).toMatchObject({ accessString: 'on ~* &* +@all', create: true });
    });

    it('must be named, readable and valid; a group without AUTH must not name one', () => {
      expect(refusal(() => planMigration(request(), onAuth()))).toEqual({
        field: 'authTokenSecretArn',
        message:
          "authTokenSecretArn: replication group cache uses an AUTH token: name the secret that holds it, so clients sending AUTH <token> keep working as the new group's default user",
      });
      expect(refusal(() => planMigration(request({ authTokenSecretArn: SECRET_ARN }), onAuth()))).toEqual({
        field: 'authTokenSecretArn',
        message: `authTokenSecretArn: secret ${SECRET_ARN} cannot be read (missing, deleted or without an AWSCURRENT value)`,
      });
      expect(
        refusal(() =>
          planMigration(
            request({ authTokenSecretArn: SECRET_ARN }),
            onAuth({
              authTokenSecret: {
                arn: SECRET_ARN,
                versionId: 'v-1',
                problem: 'is shorter than 16 characters',
              },
            }),
          ),
        ),
      ).toEqual({
        field: 'authTokenSecretArn',
        message: `authTokenSecretArn: the AUTH token in secret ${SECRET_ARN} is shorter than 16 characters`,
      });
      expect(refusal(() => planMigration(request({ authTokenSecretArn: SECRET_ARN }), state()))).toEqual({
        field: 'authTokenSecretArn',
        message:
          'authTokenSecretArn: replication group cache has no AUTH token; leave authTokenSecretArn out',
      });
      expect(
        refusal(() =>
          planMigration(
            request({
              replicationGroupId: undefined,
              serverlessCacheName: 'cache',
              authTokenSecretArn: SECRET_ARN,
            }),
            state(),
          ),
        ),
      ).toMatchObject({ message: expect.stringContaining('serverless cache cache has no AUTH token') });
    });

    it("names the request's target when the snapshot carries no ID", () => {
      expect(
        refusal(() =>
          planMigration(
            request(),
            onAuth({ replicationGroup: rg({ replicationGroupId: '', authTokenEnabled: true }) }),
          ),
        ).message,
      ).toMatch(/^authTokenSecretArn: replication group cache uses an AUTH token/);
    });
  });

  describe('an existing user group', () => {
    const users = [
      ...state().users,
      user('cache-users-default', { userName: 'default', accessString: 'off -@all' }),
    ];
    const withGroup =
      (extra: object, userIds = ['app']) =>
      () =>
        planMigration(
          request({ userIds }),
          state({ users, userGroup: cacheUsersGroup(extra), userGroupCount: 100 }),
        );

    it("is taken as an earlier run's when it holds exactly the members, pending changes counted", () => {
      expect(withGroup({})().createUserGroup).toBe(false);
      expect(
        withGroup({ userIds: ['cache-users-default'], pendingUserIdsToAdd: ['app'], status: 'modifying' })()
          .createUserGroup,
      ).toBe(false);
      expect(
        withGroup({ userIds: ['cache-users-default', 'app', 'ops'], pendingUserIdsToRemove: ['ops'] })()
          .createUserGroup,
      ).toBe(false);
    });

    it('is refused when being deleted, or with other members (one more, or the same count)', () => {
      const taken = {
        field: 'userGroupId',
        message:
          'userGroupId: user group cache-users already exists with other members; choose another userGroupId',
      };
      expect(refusal(withGroup({ status: 'deleting' }))).toEqual(taken);
      expect(refusal(withGroup({ userIds: ['cache-users-default', 'app', 'ops'] }))).toEqual(taken);
      expect(refusal(withGroup({ userIds: ['cache-users-default', 'ops'] }))).toEqual(taken);
      expect(refusal(withGroup({}, ['app', 'ops']))).toEqual(taken);
    });
  });

  it('counts user groups against the quota only when one is created', () => {
    expect(
      refusal(() =>
        planMigration(
          request(),
          state({ userGroupCount: 7, quotas: { usersPerAccount: 1000, userGroupsPerAccount: 7 } }),
        ),
      ),
    ).toEqual({
      field: 'userGroupId',
      message: 'userGroupId: the account already has 7 user groups, the ElastiCache quota is 7',
    });
    expect(() =>
      planMigration(
        request(),
        state({ userGroupCount: 6, quotas: { usersPerAccount: 1000, userGroupsPerAccount: 7 } }),
      ),
    ).not.toThrow();
  });
});
