import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeReplicationGroupsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  InvalidReplicationGroupStateFault,
} from '@aws-sdk/client-elasticache';
import { DescribeClustersCommand, InvalidClusterStateFault, MemoryDBClient } from '@aws-sdk/client-memorydb';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { CACHE_SERVICES, serviceAccount, type CacheServiceAdapter } from './cache-services.js';
import {
  causeOf,
  createRbacWorld,
  entered,
  expectNoPasswordLeak,
  ofType,
  sampleInput,
  type WorkflowRuns,
} from './rbac-fixture.js';

/*
 * The migrate-to-rbac workflow (statemachines/migrate-to-rbac.asl.json and its Lambdas) on each
 * cache service: a TLS cache that every client may use (an ElastiCache replication group without
 * a user group, a MemoryDB cluster on the built-in open-access ACL) moves onto a new group of
 * named users. One suite per service for what both share, then what only one of them has
 * (ElastiCache: AUTH tokens, the group's own default user, engines; MemoryDB: ACLs have no
 * default user). The port's mapping: replicationGroupId is the cluster, userGroupId the ACL.
 */

const sample = sampleInput<{
  replicationGroupId: string;
  authTokenSecretArn: string;
  userGroupId: string;
  userIds: string[];
  requestId: string;
}>('migrate-to-rbac');

let sandbox: Sandbox;
let workflows: WorkflowRuns;
let secrets: SecretsManagerClient;
const [ELASTICACHE, MEMORYDB] = CACHE_SERVICES as [CacheServiceAdapter, CacheServiceAdapter];
const elastiCache = () => createAwsClient(ElastiCacheClient, {});
const memoryDb = () => createAwsClient(MemoryDBClient, {});
/** Breaks the AUTH charset (a `%`); the errors must never quote it. */
const BAD_TOKEN = 'Bad-token-with-a-%-0123456789';
const tokenSecretArn = (id: string) =>
  `arn:aws:secretsmanager:us-east-1:000000000000:secret:cachegate/elasticache/auth-tokens/${id}`;

/** A cache as both services describe it. */
interface MigratedCache {
  status: string;
  groups: string[];
  pending: unknown;
}

/** What the migration needs of a service beyond cache-services.ts. */
interface MigrationSide {
  /** What a cache is called in the error messages. */
  cacheNoun: string;
  /** The command that puts a group on a cache, and the state fault of a busy cache. */
  attach: { command: string; busy: () => Error };
  createGroupCommand: string;
  cacheModifyDelay: string;
  /** The commands a refused migration must not have called. */
  mutations: string[];
  /** A fresh TLS cache every client may use (no user group, or the open-access ACL). */
  openCache(id: string): void;
  cache(id: string): Promise<MigratedCache | undefined>;
  /** Every cache and the group it uses, sorted. */
  caches(): Promise<string[]>;
  defaultGroupId(cacheId: string): string;
  /** The new group's members besides the named users: ElastiCache's own locked default user. */
  extraMembers(groupId: string): string[];
  output(cacheId: string, groupId: string, userIds: string[]): Record<string, unknown>;
}

const SIDES = new Map<CacheServiceAdapter, MigrationSide>([
  [
    ELASTICACHE,
    {
      cacheNoun: 'replication group',
      attach: {
        command: 'ModifyReplicationGroup',
        busy: () =>
          serviceFault(InvalidReplicationGroupStateFault, 'Replication group is modifying, not available.'),
      },
      createGroupCommand: 'CreateUserGroup',
      cacheModifyDelay: 'replicationGroupModify',
      mutations: ['CreateUser', 'CreateUserGroup', 'ModifyReplicationGroup'],
      openCache: (id) =>
        sandbox.model<ElastiCacheModel>('ElastiCache').seedReplicationGroup({ id, transitEncryption: true }),
      async cache(id) {
        const { ReplicationGroups } = await elastiCache().send(
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
        );
        const rg = ReplicationGroups?.[0];
        const pending = rg?.PendingModifiedValues ?? {};
        return rg
          ? {
              status: rg.Status ?? '',
              groups: rg.UserGroupIds ?? [],
              pending: Object.keys(pending).length > 0 ? pending : undefined,
            }
          : undefined;
      },
      async caches() {
        const { ReplicationGroups } = await elastiCache().send(new DescribeReplicationGroupsCommand({}));
        return (ReplicationGroups ?? [])
          .map((r) => `${r.ReplicationGroupId}:${r.UserGroupIds?.join(',')}`)
          .sort();
      },
      defaultGroupId: (id) => `${id}-users`,
      extraMembers: (groupId) => [`${groupId}-default`],
      output: (id, groupId, userIds) => ({
        replicationGroupId: id,
        serverless: false,
        userGroupId: groupId,
        defaultUserId: `${groupId}-default`,
        memberIds: [`${groupId}-default`, ...userIds],
        status: 'available',
      }),
    },
  ],
  [
    MEMORYDB,
    {
      cacheNoun: 'MemoryDB cluster',
      attach: {
        command: 'UpdateCluster',
        busy: () => serviceFault(InvalidClusterStateFault, 'Cluster is updating, not available.'),
      },
      createGroupCommand: 'CreateACL',
      cacheModifyDelay: 'clusterUpdate',
      mutations: ['CreateACL', 'UpdateCluster', 'UpdateACL', 'CreateUser'],
      openCache: (name) => sandbox.model<MemoryDbModel>('MemoryDB').seedCluster({ name }),
      async cache(name) {
        const { Clusters } = await memoryDb().send(new DescribeClustersCommand({ ClusterName: name }));
        const cluster = Clusters?.[0];
        return cluster
          ? { status: cluster.Status ?? '', groups: [cluster.ACLName ?? ''], pending: cluster.PendingUpdates }
          : undefined;
      },
      async caches() {
        const { Clusters } = await memoryDb().send(new DescribeClustersCommand({}));
        return (Clusters ?? []).map((c) => `${c.Name}:${c.ACLName}:${c.Status}`).sort();
      },
      defaultGroupId: (name) => `${name}-acl`,
      extraMembers: () => [],
      output: (name, aclName, userIds) => ({
        service: 'memorydb',
        clusterName: name,
        aclName,
        memberIds: userIds,
        status: 'available',
      }),
    },
  ],
]);
const sideOf = (svc: CacheServiceAdapter) => SIDES.get(svc) as MigrationSide;

beforeAll(async () => {
  ({ sandbox, workflows, secrets } = await createRbacWorld());
  for (const svc of CACHE_SERVICES) {
    for (const userId of ['app-reader', 'app-writer'])
      svc.seedUser(sandbox, { userId, accessString: 'on ~app:* +@all', passwords: ['p'.repeat(20)] });
    svc.seedGroup(sandbox, 'existing-users', ['app-reader']);
  }
  const model = sandbox.model<ElastiCacheModel>('ElastiCache');
  for (const id of ['legacy-app', 'legacy-reader', 'named-default']) {
    model.seedUser({
      userId: id,
      userName: id === 'named-default' ? 'default' : id,
      accessString: 'on ~* +@read',
      passwords: [id.padEnd(20, 'x')],
    });
  }
  for (const id of [sample.replicationGroupId, 'bad-token-cache']) {
    const token = `${id}-token-0123456789`;
    model.seedReplicationGroup({ id, transitEncryption: true, authToken: token });
    await secrets.send(
      new CreateSecretCommand({
        Name: `cachegate/elasticache/auth-tokens/${id}`,
        SecretString: id === 'bad-token-cache' ? BAD_TOKEN : token,
      }),
    );
  }
  model.seedReplicationGroup({ id: 'no-secret-cache', transitEncryption: true, authTokenEnabled: true });
  model.seedReplicationGroup({ id: 'taken-cache', transitEncryption: true });
  model.seedReplicationGroup({ id: 'plaintext-cache', transitEncryption: false, authTokenEnabled: false });
  model.seedReplicationGroup({ id: 'rbac-cache', transitEncryption: true, userGroupIds: ['existing-users'] });
  model.seedReplicationGroup({
    id: 'redis5-cache',
    transitEncryption: true,
    authTokenEnabled: true,
    engineVersion: '5.0.6',
  });
  model.seedUser({
    userId: 'open-user',
    userName: 'open-user',
    accessString: 'on ~* +@read',
    engine: 'valkey',
  });
  model.seedReplicationGroup({ id: 'valkey-cache', engine: 'valkey', transitEncryption: true });
  const memoryDbModel = sandbox.model<MemoryDbModel>('MemoryDB');
  memoryDbModel.seedCluster({ name: 'rbac-cache', aclName: 'existing-users' });
  memoryDbModel.seedCluster({ name: 'plaintext-cache', tlsEnabled: false });
  workflows.load('migrate-to-rbac');
});
afterAll(async () => sandbox.close());

const migrate = (input: unknown): Promise<LocalExecution> => workflows.run('migrate-to-rbac', input);

/** What a refused migration must leave as it was. */
async function accountSnapshot(svc: CacheServiceAdapter) {
  const side = sideOf(svc);
  return { ...(await serviceAccount(sandbox, svc, side.mutations)), caches: await side.caches() };
}

let counter = 0;

describe.each(CACHE_SERVICES)('migrate-to-rbac on $label (real ASL on the local runner)', (svc) => {
  const side = sideOf(svc);
  const run = (input: Record<string, unknown>) => migrate({ ...svc.input, requestedBy: 'alice', ...input });
  /** A fresh open TLS cache for each test. */
  function openCache(): string {
    counter += 1;
    const id = `open-cache-${counter}`;
    side.openCache(id);
    return id;
  }

  it('creates the group with the users, moves the cache onto it and waits until it is available', async () => {
    const id = openCache();
    const groupId = side.defaultGroupId(id);
    const execution = await run({ replicationGroupId: id, userIds: ['app-reader', 'app-writer'] });
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual(side.output(id, groupId, ['app-reader', 'app-writer']));
    expect(await side.cache(id)).toEqual({ status: 'available', groups: [groupId], pending: undefined });
    const group = await svc.group(groupId);
    expect(group).toMatchObject({ status: 'active', caches: [id] });
    expect([...(group?.members ?? [])].sort()).toEqual(
      ['app-reader', 'app-writer', ...side.extraMembers(groupId)].sort(),
    );
    // ElastiCache makes the group a default user of its own (locked, with a stored password);
    // MemoryDB ACLs have none.
    expect(entered(execution, 'CreateDefaultUser')).toBe(side.extraMembers(groupId).length);
    expect(entered(execution, 'StoreDefaultUserPassword')).toBe(side.extraMembers(groupId).length);
    expect(entered(execution, 'WaitForReplicationGroup')).toBeGreaterThanOrEqual(1);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'MigratedToRbac')
      .at(-1);
    expect(audit?.detail).toMatchObject({
      action: 'MigratedToRbac',
      actor: 'alice',
      subject: { replicationGroupId: id, userGroupIds: groupId, ...svc.input },
    });
  });

  it('is idempotent: a second run finds the group attached and changes nothing', async () => {
    const id = openCache();
    const input = { replicationGroupId: id, userGroupId: `rerun-${id}`, userIds: ['app-reader'] };
    expect((await run(input)).status).toBe('SUCCEEDED');
    const before = await accountSnapshot(svc);
    const again = await run(input);
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'CreateUserGroup')).toBe(0);
    expect(await accountSnapshot(svc)).toEqual(before);
  });

  it('waits out a slow cache, retries its state fault and a crash while creating the group', async () => {
    const id = openCache();
    const model = svc.model(sandbox);
    const saved = { ...model.delays };
    model.delays[side.cacheModifyDelay] = 400_000;
    sandbox.faults.inject({
      service: svc.label,
      command: side.attach.command,
      mode: 'throw',
      times: 2,
      error: side.attach.busy,
    });
    sandbox.faults.inject({ service: svc.label, command: side.createGroupCommand, mode: 'crash' });
    try {
      const execution = await run({ replicationGroupId: id, userIds: ['app-writer'] });
      expect(execution.status).toBe('SUCCEEDED');
      const retried = ofType(execution, 'StateRetried').map((e) => e.state.name);
      expect(retried.filter((name) => name === 'AttachUserGroup')).toHaveLength(2);
      expect(retried).toContain('CreateUserGroup');
      expect(entered(execution, 'CheckReplicationGroup')).toBeGreaterThanOrEqual(10);
      expect((await side.cache(id))?.groups).toEqual([side.defaultGroupId(id)]);
    } finally {
      sandbox.faults.clear();
      Object.assign(model.delays, saved);
    }
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'in-transit encryption off',
        () => ({ replicationGroupId: 'plaintext-cache', userIds: ['app-reader'] }),
        new RegExp(
          `^replicationGroupId: ${side.cacheNoun} plaintext-cache has in-transit encryption \\(TLS\\) off`,
        ),
      ],
      [
        'an unknown cache',
        () => ({ replicationGroupId: 'no-such-cache', userIds: ['app-reader'] }),
        new RegExp(`^replicationGroupId: ${side.cacheNoun} no-such-cache does not exist`),
      ],
      [
        'a cache that has another group',
        () => ({ replicationGroupId: 'rbac-cache', userIds: ['app-writer'] }),
        new RegExp(
          `^replicationGroupId: ${side.cacheNoun} rbac-cache already uses ${svc.groupNoun} existing-users \\(`,
        ),
      ],
      [
        'an unknown user',
        () => ({ replicationGroupId: openCache(), userIds: ['app-reader', 'ghost'] }),
        /^userIds\.1: user ghost does not exist/,
      ],
      [
        'a group ID that holds other members',
        () => ({ replicationGroupId: openCache(), userGroupId: 'existing-users', userIds: ['app-writer'] }),
        new RegExp(`^userGroupId: ${svc.groupNoun} existing-users already exists with other members`),
      ],
      [
        'a repeated user',
        () => ({ replicationGroupId: openCache(), userIds: ['app-reader', 'app-reader'] }),
        /userIds: /,
      ],
      ['no cache', () => ({ userIds: ['app-reader'] }), /replicationGroupId: /],
      [
        'a mixed-case cache ID',
        () => ({ replicationGroupId: 'Rbac-Cache', userIds: ['app-reader'] }),
        /^replicationGroupId: must be lower case \(AWS stores these IDs in lower case\): use rbac-cache/,
      ],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const request = input();
      const before = await accountSnapshot(svc);
      const execution = await run(request);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('MigrateToRbac.InvalidInput');
      expect(causeOf(execution)).toMatch(cause);
      expect(await accountSnapshot(svc)).toEqual(before);
      expect(entered(execution, 'StoreDefaultUserPassword')).toBe(0);
    });
  });
});

describe('migrate-to-rbac on ElastiCache only (AUTH tokens, the group default user, engines)', () => {
  const replicationGroup = async (id: string) =>
    (await elastiCache().send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })))
      .ReplicationGroups?.[0];

  it('on AUTH: creates a group whose default user holds the token, attaches it with DELETE and waits until available', async () => {
    const execution = await migrate(sample);

    expect(execution.status).toBe('SUCCEEDED');
    const defaultUserId = `${sample.userGroupId}-default`;
    expect(execution.output).toEqual({
      replicationGroupId: sample.replicationGroupId,
      serverless: false,
      userGroupId: sample.userGroupId,
      defaultUserId,
      memberIds: [defaultUserId, ...sample.userIds],
      status: 'available',
    });
    // The group was on AUTH: AWS accepts the user group only together with DELETE of the token.
    expect(await replicationGroup(sample.replicationGroupId)).toMatchObject({
      Status: 'available',
      AuthTokenEnabled: false,
      UserGroupIds: [sample.userGroupId],
      PendingModifiedValues: {},
    });
    const { UserGroups } = await elastiCache().send(
      new DescribeUserGroupsCommand({ UserGroupId: sample.userGroupId }),
    );
    expect(UserGroups?.[0]).toMatchObject({
      Status: 'active',
      ReplicationGroups: [sample.replicationGroupId],
    });
    expect([...(UserGroups?.[0]?.UserIds ?? [])].sort()).toEqual([...sample.userIds, defaultUserId].sort());
    // Token clients log in as this user from now on: the token's access, the token as password.
    const { Users } = await elastiCache().send(new DescribeUsersCommand({ UserId: defaultUserId }));
    expect(Users?.[0]).toMatchObject({
      UserName: 'default',
      AccessString: 'on ~* &* +@all',
      Status: 'active',
      Authentication: { Type: 'password', PasswordCount: 1 },
    });
    expect(entered(execution, 'StoreDefaultUserPassword')).toBe(0);
    expect(entered(execution, 'UseAuthTokenAsPassword')).toBe(1);
    expect(entered(execution, 'WaitForUserGroup')).toBeGreaterThanOrEqual(1);
    expect(entered(execution, 'WaitForReplicationGroup')).toBeGreaterThanOrEqual(1);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'MigratedToRbac');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: 'alice',
      requestId: sample.requestId,
      subject: { replicationGroupId: sample.replicationGroupId, userGroupIds: sample.userGroupId },
    });
  });

  it('running it again on the former AUTH group changes nothing and succeeds', async () => {
    const before = await accountSnapshot(ELASTICACHE);
    const execution = await migrate(sample);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await accountSnapshot(ELASTICACHE)).toEqual(before);
  });

  it('a TLS group without AUTH gets a locked default user (no token clients to keep)', async () => {
    const execution = await migrate({ replicationGroupId: 'taken-cache', userIds: ['legacy-app'] });
    expect(execution.status).toBe('SUCCEEDED');
    const { Users } = await elastiCache().send(
      new DescribeUsersCommand({ UserId: 'taken-cache-users-default' }),
    );
    expect(Users?.[0]).toMatchObject({ UserName: 'default', AccessString: 'off -@all' });
    expect(entered(execution, 'UseAuthTokenAsPassword')).toBe(0);
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [
        'a user named default among the users',
        { replicationGroupId: 'rbac-free-cache', userIds: ['named-default'] },
        /userIds.0: user named-default is named "default"/,
      ],
      [
        'a default user ID that belongs to a normal user',
        { replicationGroupId: 'rbac-free-cache', defaultUserId: 'legacy-app' },
        /defaultUserId: user legacy-app exists and is not a locked user named "default"/,
      ],
      [
        'a group on AUTH without the token secret',
        { replicationGroupId: 'bad-token-cache' },
        /authTokenSecretArn: replication group bad-token-cache uses an AUTH token: name the secret/,
      ],
      [
        'a token secret that does not exist',
        { replicationGroupId: 'no-secret-cache', authTokenSecretArn: tokenSecretArn('no-secret-cache') },
        /authTokenSecretArn: secret .* cannot be read/,
      ],
      [
        'a token secret holding an invalid token',
        { replicationGroupId: 'bad-token-cache', authTokenSecretArn: tokenSecretArn('bad-token-cache') },
        /authTokenSecretArn: the AUTH token in secret .* may contain only letters, digits/,
      ],
      [
        'a token secret for a group without AUTH',
        { replicationGroupId: 'rbac-free-cache', authTokenSecretArn: tokenSecretArn('bad-token-cache') },
        /authTokenSecretArn: replication group rbac-free-cache has no AUTH token/,
      ],
      [
        'a token secret outside the auth-tokens prefix',
        {
          replicationGroupId: 'bad-token-cache',
          authTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db-password',
        },
        /authTokenSecretArn: must be the ARN of a Secrets Manager secret named cachegate\/elasticache\/auth-tokens/,
      ],
      [
        'an engine version without RBAC (Redis OSS 5)',
        { replicationGroupId: 'redis5-cache' },
        /replicationGroupId: replication group redis5-cache runs Redis OSS 5\.0\.6; RBAC needs Redis OSS 6\.0 or later/,
      ],
      [
        'a no-password user for a valkey group',
        { replicationGroupId: 'valkey-cache', userIds: ['open-user'] },
        /userIds\.0: user open-user requires no password; a valkey user group can hold only users with a password or IAM/,
      ],
    ];

    beforeAll(() =>
      sandbox
        .model<ElastiCacheModel>('ElastiCache')
        .seedReplicationGroup({ id: 'rbac-free-cache', transitEncryption: true }),
    );

    it.each(cases)('%s', async (_, input, cause) => {
      const before = await accountSnapshot(ELASTICACHE);
      const execution = await migrate(input);
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('MigrateToRbac.InvalidInput');
      expect(causeOf(execution)).toMatch(cause);
      expect(await accountSnapshot(ELASTICACHE)).toEqual(before);
      expect(entered(execution, 'StoreDefaultUserPassword')).toBe(0);
      expect(JSON.stringify([execution.events, execution.cause])).not.toContain(BAD_TOKEN);
    });
  });
});

describe('migrate-to-rbac on MemoryDB only (ACLs have no default user)', () => {
  const refusals: [string, () => Record<string, unknown>, RegExp][] = [
    [
      'no users (the ACL would lock every client out)',
      () => ({ replicationGroupId: 'plaintext-free-cluster', userIds: [] }),
      /^userIds: give at least one user: an ACL without users would lock every client out/,
    ],
    [
      "MemoryDB's open-access user",
      () => ({ replicationGroupId: 'plaintext-free-cluster', userIds: ['default'] }),
      /^userIds\.0: user default is MemoryDB's open-access user/,
    ],
    [
      'a default user ID (MemoryDB ACLs have none)',
      () => ({
        replicationGroupId: 'plaintext-free-cluster',
        userIds: ['app-reader'],
        defaultUserId: 'x-default',
      }),
      /^defaultUserId: MemoryDB ACLs have no default user/,
    ],
  ];
  beforeAll(() => sandbox.model<MemoryDbModel>('MemoryDB').seedCluster({ name: 'plaintext-free-cluster' }));

  it.each(refusals)('refuses %s with a clear error and changes nothing', async (_, input, message) => {
    const before = await accountSnapshot(MEMORYDB);
    const execution = await migrate({ service: 'memorydb', ...input() });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('MigrateToRbac.InvalidInput');
    expect(causeOf(execution)).toMatch(message);
    expect(await accountSnapshot(MEMORYDB)).toEqual(before);
  });

  it('the audit event names no user ID (there is no default user to name)', () => {
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter(
        (e) =>
          e.detailType === 'MigratedToRbac' &&
          (e.detail as { subject: { service?: string } }).subject.service === 'memorydb',
      );
    expect(audit.length).toBeGreaterThanOrEqual(1);
    for (const event of audit) expect(JSON.stringify(event.detail)).not.toContain('userId');
  });

  it('an ElastiCache request naming a MemoryDB cluster touches nothing of MemoryDB (service defaults to elasticache)', async () => {
    const before = await accountSnapshot(MEMORYDB);
    const execution = await migrate({ replicationGroupId: 'plaintext-free-cluster' });
    expect(execution.status).toBe('FAILED');
    expect(causeOf(execution)).toMatch(
      /^replicationGroupId: replication group plaintext-free-cluster does not exist/,
    );
    expect(await accountSnapshot(MEMORYDB)).toEqual(before);
  });
});

it('never lets a password into the execution history or the audit events', () => {
  expectNoPasswordLeak(sandbox, workflows.executions, 4);
});
