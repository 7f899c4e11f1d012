import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeACLsCommand,
  DescribeUsersCommand,
  InvalidACLStateFault,
  MemoryDBClient,
  UpdateUserCommand,
  UserNotFoundFault,
} from '@aws-sdk/client-memorydb';
import {
  DescribeUsersCommand as DescribeElastiCacheUsersCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAwsClient } from '../../functions/aws/clients.js';
import type { LocalExecution } from '../../local/runner/local-state-machine.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import type { EventBridgeModel } from '../../local/sandbox/models/eventbridge.js';
import type { MemoryDbModel } from '../../local/sandbox/models/memorydb/index.js';
import { serviceFault } from '../../local/sandbox/service-error.js';
import {
  acl,
  causeOf,
  createMemoryDbWorld,
  entered,
  expectNoPasswordLeak,
  found,
  ofType,
  type WorkflowRuns,
} from './rbac-fixture.js';

/*
 * The offboard-user workflow (the same statemachines/offboard-user.asl.json and Lambdas as for
 * ElastiCache) run with `service: memorydb` against the MemoryDB model.
 */

let sandbox: Sandbox;
let model: MemoryDbModel;
let memoryDb: MemoryDBClient;
let secrets: SecretsManagerClient;
let workflows: WorkflowRuns;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  ({ sandbox, model, memoryDb, secrets, workflows } = await createMemoryDbWorld());
  for (const name of ['orders-acl', 'payments-acl', 'audit-acl']) model.seedAcl({ name, userNames: [] });
  sandbox.model<ElastiCacheModel>('ElastiCache').seedUserGroup({ id: 'orders-group', userIds: ['default'] });
  // Loading validates a definition and takes real time, i.e. simulated minutes: do it once.
  workflows.load('onboard-user');
  workflows.load('offboard-user');
});
afterAll(async () => sandbox.close());

const run = (name: 'onboard-user' | 'offboard-user', input: unknown): Promise<LocalExecution> =>
  workflows.run(name, input);

let counter = 0;
/** Onboards a fresh MemoryDB user through the real onboard-user workflow. */
async function onboardedUser(
  userGroupIds: string[],
  userId = `mdb-leaver-${(counter += 1)}`,
): Promise<string> {
  const onboarded = await run('onboard-user', {
    service: 'memorydb',
    userId,
    userName: userId,
    accessString: 'on ~orders:* -@all +@read',
    userGroupIds,
    requestedBy: 'alice',
  });
  expect(onboarded.status).toBe('SUCCEEDED');
  return userId;
}

const userExists = (name: string) =>
  found(memoryDb.send(new DescribeUsersCommand({ UserName: name })), UserNotFoundFault);

const secretOf = (userId: string, service = 'memorydb') =>
  secrets.send(new DescribeSecretCommand({ SecretId: `cachegate/${service}/users/${userId}` }));

describe('offboard-user with service memorydb (real ASL on the local runner)', () => {
  it('removes the user from every ACL, deletes it, schedules its secret for deletion and audits it', async () => {
    const userId = await onboardedUser(['orders-acl', 'payments-acl']);
    const startedAt = sandbox.clock.nowMs();
    const execution = await run('offboard-user', {
      service: 'memorydb',
      userId,
      requestedBy: 'bob',
      requestId: 'req-mdb-off',
    });
    const finishedAt = sandbox.clock.nowMs();

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      userId,
      removedFromUserGroupIds: ['orders-acl', 'payments-acl'],
      status: 'deleted',
    });
    expect(await userExists(userId)).toBe(false);
    for (const name of ['orders-acl', 'payments-acl']) {
      const a = await acl(memoryDb, name);
      expect(a).toMatchObject({ Status: 'active', UserNames: [] });
      expect(a?.PendingChanges).toBeUndefined();
    }
    expect(entered(execution, 'CheckGroupRemoval')).toBeGreaterThanOrEqual(2);
    expect(entered(execution, 'CheckUserDeleted')).toBeGreaterThanOrEqual(1);

    const deletion = (await secretOf(userId)).DeletedDate?.getTime() ?? 0;
    expect(deletion - startedAt).toBeGreaterThanOrEqual(7 * DAY_MS);
    expect(deletion - finishedAt).toBeLessThanOrEqual(7 * DAY_MS);

    const audit = sandbox
      .model<EventBridgeModel>('EventBridge')
      .events.filter((e) => e.detailType === 'UserDeleted');
    expect(audit.at(-1)?.detail).toMatchObject({
      actor: 'bob',
      requestId: 'req-mdb-off',
      subject: { userId, userGroupIds: 'orders-acl,payments-acl', service: 'memorydb' },
    });
  });

  it('retries an injected InvalidACLStateFault on UpdateACL', async () => {
    const userId = await onboardedUser(['audit-acl']);
    sandbox.faults.inject({
      service: 'MemoryDB',
      command: 'UpdateACL',
      mode: 'throw',
      error: () => serviceFault(InvalidACLStateFault, 'ACL audit-acl is modifying, not active.'),
    });
    const execution = await run('offboard-user', { service: 'memorydb', userId });
    expect(execution.status).toBe('SUCCEEDED');
    expect(ofType(execution, 'StateRetried').map((e) => e.state.name)).toContain('RemoveUserFromGroup');
    expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain('InvalidACLStateFault');
    expect((await acl(memoryDb, 'audit-acl'))?.UserNames).not.toContain(userId);
    expect(await userExists(userId)).toBe(false);
  });

  it('a user still being updated is waited out: DeleteUser is retried on InvalidUserStateFault', async () => {
    const userId = await onboardedUser(['payments-acl']);
    const saved = { ...model.delays };
    Object.assign(model.delays, { userModify: 600_000 });
    try {
      // The user is `modifying` when the run starts; leaving the ACL takes far less than 10 minutes.
      await memoryDb.send(new UpdateUserCommand({ UserName: userId, AccessString: 'off' }));
      const execution = await run('offboard-user', { service: 'memorydb', userId });
      expect(execution.status).toBe('SUCCEEDED');
      expect(ofType(execution, 'StateRetried').map((e) => e.state.name)).toContain('DeleteCacheUser');
      expect(ofType(execution, 'StateFailed').map((e) => e.Error)).toContain('InvalidUserStateFault');
      expect(await userExists(userId)).toBe(false);
    } finally {
      Object.assign(model.delays, saved);
    }
  });

  it('is idempotent: offboarding again finds only the scheduled secret and keeps its deletion date', async () => {
    const userId = await onboardedUser(['audit-acl']);
    expect((await run('offboard-user', { service: 'memorydb', userId })).status).toBe('SUCCEEDED');
    const first = (await secretOf(userId)).DeletedDate;
    const again = await run('offboard-user', { service: 'memorydb', userId });
    expect(again.status).toBe('SUCCEEDED');
    expect(entered(again, 'DeleteCacheUser')).toBe(0);
    expect((await secretOf(userId)).DeletedDate).toEqual(first);
  });

  it('leaves an ElastiCache user of the same name and its secret alone', async () => {
    const name = 'shared-name';
    const onElastiCache = await run('onboard-user', {
      userId: name,
      userName: name,
      accessString: 'on ~orders:* -@all +@read',
      userGroupIds: ['orders-group'],
    });
    expect(onElastiCache.status).toBe('SUCCEEDED');
    await onboardedUser(['orders-acl'], name);

    const execution = await run('offboard-user', { service: 'memorydb', userId: name });
    expect(execution.status).toBe('SUCCEEDED');
    expect(await userExists(name)).toBe(false);
    const elastiCache = createAwsClient(ElastiCacheClient, {});
    const { Users } = await elastiCache.send(new DescribeElastiCacheUsersCommand({ UserId: name }));
    expect(Users?.[0]).toMatchObject({ Status: 'active', UserGroupIds: ['orders-group'] });
    expect((await secretOf(name, 'elasticache')).DeletedDate).toBeUndefined();
    expect((await secretOf(name)).DeletedDate).toBeDefined();
  });

  describe('bad input fails before any change', () => {
    async function snapshot() {
      const { Users } = await memoryDb.send(new DescribeUsersCommand({}));
      const { ACLs } = await memoryDb.send(new DescribeACLsCommand({}));
      return {
        users: Users?.map((u) => `${u.Name}:${u.Status}`).sort(),
        acls: ACLs?.map((a) => `${a.Name}:${[...(a.UserNames ?? [])].sort().join(',')}`),
        mutations: ['UpdateACL', 'DeleteUser'].map((c) => sandbox.faults.calls('MemoryDB', c)),
        deletions: sandbox.faults.calls('Secrets Manager', 'DeleteSecret'),
      };
    }

    it.each([
      [
        'an unknown user without a secret',
        { userId: 'nobody-here' },
        /userId: user nobody-here does not exist/,
      ],
      ['the built-in default user', { userId: 'default' }, /userId: "default" is the built-in user/],
      ['a malformed user name', { userId: 'bad_name' }, /userId: /],
    ])('%s', async (_, input, cause) => {
      const before = await snapshot();
      const execution = await run('offboard-user', { service: 'memorydb', ...input });
      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('OffboardUser.InvalidInput');
      expect(causeOf(execution)).toMatch(cause);
      expect(await snapshot()).toEqual(before);
      expect(entered(execution, 'RemoveFromUserGroups')).toBe(0);
    });
  });

  it('never lets a password into the execution history or the audit events', () => {
    expectNoPasswordLeak(sandbox, workflows.executions, 5);
  });
});
