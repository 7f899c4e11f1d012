import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeACLsCommand,
  DescribeUsersCommand,
  InvalidACLStateFault,
  MemoryDBClient,
  UpdateACLCommand,
} from '@aws-sdk/client-memorydb';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { listUsers } from '../../functions/aws/memorydb.js';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import type { SecretsManagerModel } from '../../local/sandbox/models/secrets-manager.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import {
  acl,
  causeOf,
  createMemoryDbWorld,
  entered,
  expectNoPasswordLeak,
  ofType,
  type WorkflowRuns,
} from './rbac-fixture.js';

/*
 * The onboard-user workflow (the same statemachines/onboard-user.asl.json and Lambdas as for
 * ElastiCache) run with `service: memorydb` against the MemoryDB model: users in ACLs.
 */

let sandbox: Sandbox;
let model: MemoryDbModel;
let memoryDb: MemoryDBClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;

beforeAll(async () => {
  ({ sandbox, model, memoryDb, secrets, workflows } = await createMemoryDbWorld());
  for (const name of ['orders-acl', 'payments-acl', 'busy-acl']) model.seedAcl({ name, userNames: [] });
  model.seedCluster({ name: 'orders-cluster', aclName: 'orders-acl' });
  workflows.load('onboard-user');
});
afterAll(async () => sandbox.close());

const onboard = (input: unknown): Promise<LocalExecution> => workflows.run('onboard-user', input);

let counter = 0;
function request(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const userId = `mdb-reader-${counter}`;
  return {
    service: 'memorydb',
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds: ['orders-acl'],
    requestedBy: 'alice',
    requestId: `req-mdb-${counter}`,
    ...overrides,
  };
}

async function user(name: string) {
  const { Users } = await memoryDb.send(new DescribeUsersCommand({ UserName: name }));
  return Users?.[0];
}

async function accountSnapshot() {
  const users = await listUsers();
  const { ACLs } = await memoryDb.send(new DescribeACLsCommand({}));
  return {
    users: users.map((u) => `${u.userId}:${u.status}`).sort(),
    acls: ACLs?.map((a) => `${a.Name}:${[...(a.UserNames ?? [])].sort().join(',')}`),
    secrets: sandbox.model<SecretsManagerModel>('Secrets Manager').allSecretStrings().length,
    mutations: ['CreateUser', 'UpdateACL'].map((c) => sandbox.faults.calls('MemoryDB', c)),
    elastiCache: ['CreateUser', 'ModifyUserGroup'].map((c) => sandbox.faults.calls('ElastiCache', c)),
  };
}

describe('onboard-user with service memorydb (real ASL on the local runner)', () => {
  it('creates the MemoryDB user from a stored secret, adds it to each ACL, waits for each, and audits it', async () => {
    const input = request({ userGroupIds: ['orders-acl', 'payments-acl'] });
    const elastiCacheCalls = sandbox.faults.calls('ElastiCache', 'CreateUser');
    const run = await onboard(input);

    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      userId: input.userId,
      userGroupIds: ['orders-acl', 'payments-acl'],
      status: 'active',
    });
    expect(await user(input.userId)).toMatchObject({
      Status: 'active',
      Authentication: { Type: 'password', PasswordCount: 1 },
      ACLNames: ['orders-acl', 'payments-acl'],
    });
    for (const name of ['orders-acl', 'payments-acl']) {
      const a = await acl(memoryDb, name);
      expect(a).toMatchObject({ Status: 'active' });
      expect(a?.UserNames).toContain(input.userId);
      expect(a?.PendingChanges).toBeUndefined();
    }
    expect((await acl(memoryDb, 'orders-acl'))?.Clusters).toEqual(['orders-cluster']);
    expect(entered(run, 'CheckGroupMembership')).toBeGreaterThanOrEqual(2);
    expect(sandbox.faults.calls('ElastiCache', 'CreateUser')).toBe(elastiCacheCalls);

    const secretArn = (run.output as { secretArn: string }).secretArn;
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretArn }));
    expect(described.Name).toBe(`cachegate/memorydb/users/${input.userId}`);
    expect(described.Description).toMatch(/MemoryDB user/);
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const stored = JSON.parse(SecretString ?? '{}') as { username: string; password: string };
    expect(stored.username).toBe(input.userId);
    expect(stored.password).toHaveLength(64);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'UserCreated');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: 'alice',
      requestId: input.requestId,
      subject: { userId: input.userId, userGroupIds: 'orders-acl,payments-acl', service: 'memorydb' },
    });
  });

  it('retries UpdateACL while the ACL is busy with another change (InvalidACLStateFault)', async () => {
    const saved = { ...model.delays };
    Object.assign(model.delays, { aclModify: 600_000 });
    model.seedUser({ userName: 'busy-maker', accessString: 'on ~* +@read', passwords: ['p'.repeat(32)] });
    try {
      // The ACL is `modifying` from before the run starts: the first UpdateACL must fail.
      await memoryDb.send(new UpdateACLCommand({ ACLName: 'busy-acl', UserNamesToAdd: ['busy-maker'] }));
      const input = request({ userGroupIds: ['busy-acl'] });
      const run = await onboard(input);
      expect(run.status).toBe('SUCCEEDED');
      expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toContain('AddUserToGroup');
      expect(ofType(run, 'StateFailed').map((e) => e.Error)).toContain('InvalidACLStateFault');
      expect((await acl(memoryDb, 'busy-acl'))?.UserNames).toEqual(
        expect.arrayContaining(['busy-maker', input.userId]),
      );
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('retries an injected state fault and a service error on the way', async () => {
    sandbox.faults.inject({
      service: 'MemoryDB',
      command: 'UpdateACL',
      mode: 'throw',
      error: () => serviceFault(InvalidACLStateFault, 'ACL orders-acl is modifying, not active.'),
    });
    sandbox.faults.inject({ service: 'MemoryDB', command: 'CreateUser', mode: 'throw' });
    const run = await onboard(request());
    expect(run.status).toBe('SUCCEEDED');
    expect(ofType(run, 'StateRetried').map((e) => e.state.name)).toEqual(
      expect.arrayContaining(['CreateCacheUser', 'AddUserToGroup']),
    );
  });

  describe('bad input fails before any change, naming the field', () => {
    const cases: [string, () => Record<string, unknown>, RegExp][] = [
      [
        'a user name that differs from the user ID',
        () => request({ userName: 'someone-else' }),
        /userName: MemoryDB users have no separate ID: userName must be mdb-reader-\d+/,
      ],
      [
        'an upper-case user ID (MemoryDB stores names in lower case)',
        () => request({ userId: 'Mdb-Upper', userName: 'Mdb-Upper' }),
        /userId: must be lower case \(AWS stores these IDs in lower case\): use mdb-upper/,
      ],
      [
        'the open-access ACL',
        () => request({ userGroupIds: ['open-access'] }),
        /userGroupIds.0: open-access is MemoryDB's built-in ACL and cannot be changed/,
      ],
      [
        'an unknown ACL',
        () => request({ userGroupIds: ['orders-acl', 'no-such-acl'] }),
        /userGroupIds.1: ACL no-such-acl does not exist/,
      ],
      [
        'an invalid access string',
        () => request({ accessString: 'on ~* +@all >secret-password' }),
        /accessString: .*token 4/,
      ],
      [
        'a user name that is taken',
        () => {
          model.seedUser({
            userName: 'taken-name',
            accessString: 'on ~* +@read',
            passwords: ['t'.repeat(20)],
          });
          return request({ userId: 'taken-name', userName: 'taken-name' });
        },
        /userId: user ID taken-name is already taken/,
      ],
      [
        'an ACL that would get its 101st member',
        () => {
          const members = Array.from({ length: 100 }, (_, i) => `acl-member-${i}`);
          for (const name of members) model.seedUser({ userName: name, accessString: 'off' });
          model.seedAcl({ name: 'full-acl', userNames: members });
          return request({ userGroupIds: ['full-acl'] });
        },
        /userGroupIds.0: ACL full-acl has 100 users; adding one would exceed the quota of 100/,
      ],
      ['an unknown service', () => request({ service: 'redis-cloud' }), /service: /],
    ];

    it.each(cases)('%s', async (_, input, cause) => {
      const resolved = input();
      const before = await accountSnapshot();
      const run = await onboard(resolved);
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('OnboardUser.InvalidInput');
      expect(causeOf(run)).toMatch(cause);
      expect(run.cause).not.toContain('secret-password');
      expect(await accountSnapshot()).toEqual(before);
      expect(entered(run, 'StoreUserPassword')).toBe(0);
    });

    it('the 1000-user quota names MemoryDB', async () => {
      const existing = (await listUsers()).length;
      for (let i = existing; i < 1000; i += 1)
        model.seedUser({ userName: `filler-${i}`, accessString: 'off' });
      const before = await accountSnapshot();
      const run = await onboard(request());
      expect(run.status).toBe('FAILED');
      expect(causeOf(run)).toMatch(/userId: the account already has 1000 users, the MemoryDB quota is 1000/);
      expect(await accountSnapshot()).toEqual(before);
    });
  });

  // migrate-to-rbac runs on MemoryDB (test/workflows/memorydb-migrate-to-rbac.test.ts); harden does not.
  it('harden-default-user refuses service memorydb instead of running on ElastiCache', async () => {
    const run = await workflows.run('harden-default-user', {
      service: 'memorydb',
      userGroupId: 'orders-acl',
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('HardenDefaultUser.InvalidInput');
    expect(causeOf(run)).toMatch(/^service: only elasticache: MemoryDB ACLs need no default user/);
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 3);
  });
});
