import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeACLsCommand,
  DescribeClustersCommand,
  InvalidClusterStateFault,
  MemoryDBClient,
} from '@aws-sdk/client-memorydb';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import { acl, causeOf, createMemoryDbWorld, entered, type WorkflowRuns } from './rbac-fixture.js';

/*
 * migrate-to-rbac with `service: memorydb` (the same statemachines/migrate-to-rbac.asl.json and
 * Lambdas): a MemoryDB cluster on the built-in open-access ACL moves to a new ACL of named users.
 * The port's mapping: replicationGroupId is the cluster, userGroupId the ACL, userIds user names.
 */

let sandbox: Sandbox;
let model: MemoryDbModel;
let memoryDb: MemoryDBClient;
let workflows: WorkflowRuns;

beforeAll(async () => {
  ({ sandbox, model, memoryDb, workflows } = await createMemoryDbWorld());
  for (const userName of ['app-reader', 'app-writer', 'leaving-user']) {
    model.seedUser({ userName, accessString: 'on ~app:* +@all', passwords: ['p'.repeat(20)] });
  }
  model.seedAcl({ name: 'existing-acl', userNames: ['app-reader'] });
  model.seedCluster({ name: 'other-cluster', aclName: 'existing-acl' });
  model.seedCluster({ name: 'plaintext-cluster', tlsEnabled: false });
  workflows.load('migrate-to-rbac');
});
afterAll(async () => sandbox.close());

let counter = 0;
/** A fresh cluster on open-access for each test. */
function openCluster(): string {
  counter += 1;
  const name = `open-cluster-${counter}`;
  model.seedCluster({ name });
  return name;
}

const migrate = (input: Record<string, unknown>): Promise<LocalExecution> =>
  workflows.run('migrate-to-rbac', { service: 'memorydb', requestedBy: 'alice', ...input });

async function cluster(name: string) {
  const { Clusters } = await memoryDb.send(new DescribeClustersCommand({ ClusterName: name }));
  return Clusters?.[0];
}

/** What a refused migration must leave as it was. */
async function accountSnapshot() {
  const { Clusters } = await memoryDb.send(new DescribeClustersCommand({}));
  const { ACLs } = await memoryDb.send(new DescribeACLsCommand({}));
  return {
    clusters: Clusters?.map((c) => `${c.Name}:${c.ACLName}:${c.Status}`).sort(),
    acls: ACLs?.map((a) => `${a.Name}:${[...(a.UserNames ?? [])].sort().join(',')}`).sort(),
    mutations: ['CreateACL', 'UpdateCluster', 'UpdateACL', 'CreateUser'].map((c) =>
      sandbox.faults.calls('MemoryDB', c),
    ),
  };
}

describe('migrate-to-rbac with service memorydb (real ASL on the local runner)', () => {
  it('creates the ACL with the users, moves the cluster onto it and waits until it is available', async () => {
    const name = openCluster();
    expect((await cluster(name))?.ACLName).toBe('open-access');
    const run = await migrate({ replicationGroupId: name, userIds: ['app-reader', 'app-writer'] });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      service: 'memorydb',
      clusterName: name,
      aclName: `${name}-acl`,
      memberIds: ['app-reader', 'app-writer'],
      status: 'available',
    });
    expect(await cluster(name)).toMatchObject({ ACLName: `${name}-acl`, Status: 'available' });
    expect((await cluster(name))?.PendingUpdates).toBeUndefined();
    expect([...((await acl(memoryDb, `${name}-acl`))?.UserNames ?? [])].sort()).toEqual([
      'app-reader',
      'app-writer',
    ]);
    // No default user was created: MemoryDB ACLs have none.
    expect(entered(run, 'CreateDefaultUser')).toBe(0);
    expect(entered(run, 'StoreDefaultUserPassword')).toBe(0);
    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'MigratedToRbac')
      .at(-1);
    expect(audit?.detail).toMatchObject({
      action: 'MigratedToRbac',
      actor: 'alice',
      subject: { service: 'memorydb', replicationGroupId: name, userGroupIds: `${name}-acl` },
    });
    expect(JSON.stringify(audit?.detail)).not.toContain('userId');
  });

  it('is idempotent: a second run finds the ACL attached and changes nothing', async () => {
    const name = openCluster();
    const input = { replicationGroupId: name, userGroupId: 'rerun-acl', userIds: ['app-reader'] };
    expect((await migrate(input)).status).toBe('SUCCEEDED');
    const before = await accountSnapshot();
    const again = await migrate(input);
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'CreateUserGroup')).toBe(0);
    expect(await accountSnapshot()).toEqual(before);
  });

  it('retries UpdateCluster while the cluster is busy', async () => {
    const name = openCluster();
    sandbox.faults.inject({
      service: 'MemoryDB',
      command: 'UpdateCluster',
      mode: 'throw',
      times: 2,
      error: () => serviceFault(InvalidClusterStateFault, 'Cluster is updating, not available.'),
    });
    const run = await migrate({ replicationGroupId: name, userIds: ['app-writer'] });
    sandbox.faults.clear();
    expect(run.status).toBe('SUCCEEDED');
    expect(run.events.filter((e) => (e as { type: string }).type === 'StateRetried').length).toBe(2);
    expect((await cluster(name))?.ACLName).toBe(`${name}-acl`);
  });

  const refusals: [string, () => Record<string, unknown>, RegExp][] = [
    [
      'a missing cluster',
      () => ({ replicationGroupId: 'no-such-cluster', userIds: ['app-reader'] }),
      /^replicationGroupId: MemoryDB cluster no-such-cluster does not exist/,
    ],
    [
      'a cluster without TLS (only open-access works there)',
      () => ({ replicationGroupId: 'plaintext-cluster', userIds: ['app-reader'] }),
      /^replicationGroupId: MemoryDB cluster plaintext-cluster has in-transit encryption \(TLS\) off; only the open-access ACL works without TLS/,
    ],
    [
      'a cluster already on another ACL',
      () => ({ replicationGroupId: 'other-cluster', userIds: ['app-writer'] }),
      /^replicationGroupId: MemoryDB cluster other-cluster already uses ACL existing-acl \(one ACL per cluster/,
    ],
    [
      'no users (the ACL would lock every client out)',
      () => ({ replicationGroupId: openCluster(), userIds: [] }),
      /^userIds: give at least one user: an ACL without users would lock every client out/,
    ],
    [
      'a missing user',
      () => ({ replicationGroupId: openCluster(), userIds: ['app-reader', 'nobody'] }),
      /^userIds\.1: user nobody does not exist/,
    ],
    [
      "MemoryDB's open-access user",
      () => ({ replicationGroupId: openCluster(), userIds: ['default'] }),
      /^userIds\.0: user default is MemoryDB's open-access user/,
    ],
    [
      'a default user ID (MemoryDB ACLs have none)',
      () => ({ replicationGroupId: openCluster(), userIds: ['app-reader'], defaultUserId: 'x-default' }),
      /^defaultUserId: MemoryDB ACLs have no default user/,
    ],
    [
      'an existing ACL with other members',
      () => ({ replicationGroupId: openCluster(), userGroupId: 'existing-acl', userIds: ['app-writer'] }),
      /^userGroupId: ACL existing-acl already exists with other members/,
    ],
  ];
  it.each(refusals)('refuses %s with a clear error and changes nothing', async (_, input, message) => {
    const request = input();
    const before = await accountSnapshot();
    const run = await migrate(request);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('MigrateToRbac.InvalidInput');
    expect(causeOf(run)).toMatch(message);
    expect(await accountSnapshot()).toEqual(before);
  });

  it('the ElastiCache path still creates its locked default user (service defaults to elasticache)', async () => {
    // Nothing of MemoryDB is touched by an ElastiCache request naming a MemoryDB cluster.
    const before = await accountSnapshot();
    const run = await workflows.run('migrate-to-rbac', { replicationGroupId: 'other-cluster' });
    expect(run.status).toBe('FAILED');
    expect(causeOf(run)).toMatch(/^replicationGroupId: replication group other-cluster does not exist/);
    expect(await accountSnapshot()).toEqual(before);
  });
});
