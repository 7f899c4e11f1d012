/**
 * The sandbox's ElastiCache Serverless caches against their sources (docs/aws-facts.md,
 * "ElastiCache Serverless"): statuses, the user-group rules, `UserGroup.ServerlessCaches`, a
 * user group's change landing on its serverless caches, and only the errors the SDK declares for
 * each command (read from the SDK's own command definitions).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';

let clock: SandboxClock;
let model: ElastiCacheModel;
const c = () => model.commands;

/** The `@throws` list of an SDK command, from its type definitions. */
function declaredErrors(command: string): string[] {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@aws-sdk/client-elasticache/package.json'));
  const text = readFileSync(join(root, 'dist-types', 'commands', `${command}Command.d.ts`), 'utf8');
  return [...text.matchAll(/@throws \{@link (\w+)\}/g)].map((m) => m[1]!);
}

/** Runs the call and returns the error's name, checking the command declares it. */
async function faultOf(command: string, call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
  } catch (error) {
    const name = (error as Error).name;
    expect(declaredErrors(command)).toContain(name);
    return name;
  }
  throw new Error(`${command} did not fail`);
}

beforeEach(() => {
  clock = new SandboxClock({ speed: 0 });
  model = new ElastiCacheModel(clock);
  model.seedUser({
    userId: 'vk-default',
    userName: 'default',
    engine: 'valkey',
    accessString: 'off -@all',
    passwords: ['a-locked-default-password-0001'],
  });
  model.seedUserGroup({ id: 'vk-users', userIds: ['vk-default'], engine: 'valkey' });
  model.seedUserGroup({ id: 'rd-users', userIds: ['default'] });
});

describe('statuses (API reference: ServerlessCache.Status; examples answer in lower case)', () => {
  it('creating → available, modifying → available, deleting → gone', async () => {
    const created = await c().CreateServerlessCache({ ServerlessCacheName: 'Sessions', Engine: 'valkey' });
    expect(created.ServerlessCache).toMatchObject({
      ServerlessCacheName: 'sessions',
      Status: 'creating',
      Engine: 'valkey',
      MajorEngineVersion: '8',
      FullEngineVersion: '8.0',
      ARN: 'arn:aws:elasticache:us-east-1:000000000000:serverlesscache:sessions',
    });
    clock.advance(model.delays.serverlessCreate);
    const described = await c().DescribeServerlessCaches({ ServerlessCacheName: 'sessions' });
    expect(described.ServerlessCaches?.[0]?.Status).toBe('available');
    const modified = await c().ModifyServerlessCache({
      ServerlessCacheName: 'sessions',
      UserGroupId: 'vk-users',
    });
    // Assumption: the new user group shows at once, the cache modifying until it is in force.
    expect(modified.ServerlessCache).toMatchObject({ Status: 'modifying', UserGroupId: 'vk-users' });
    expect(
      await faultOf('ModifyServerlessCache', () =>
        c().ModifyServerlessCache({ ServerlessCacheName: 'sessions', Description: 'x' }),
      ),
    ).toBe('InvalidServerlessCacheStateFault');
    clock.advance(model.delays.serverlessModify);
    const deleting = await c().DeleteServerlessCache({ ServerlessCacheName: 'sessions' });
    expect(deleting.ServerlessCache?.Status).toBe('deleting');
    clock.advance(model.delays.serverlessDelete);
    expect(
      await faultOf('DescribeServerlessCaches', () =>
        c().DescribeServerlessCaches({ ServerlessCacheName: 'sessions' }),
      ),
    ).toBe('ServerlessCacheNotFoundFault');
  });
});

describe('user groups on serverless caches (ElastiCache User Guide, RBAC)', () => {
  it('a valkey user group only on a valkey cache; a redis group on either', async () => {
    model.seedServerlessCache({ name: 'rd-cache', engine: 'redis' });
    model.seedServerlessCache({ name: 'vk-cache', engine: 'valkey' });
    expect(
      await faultOf('ModifyServerlessCache', () =>
        c().ModifyServerlessCache({ ServerlessCacheName: 'rd-cache', UserGroupId: 'vk-users' }),
      ),
    ).toBe('InvalidParameterCombinationException');
    await c().ModifyServerlessCache({ ServerlessCacheName: 'vk-cache', UserGroupId: 'rd-users' });
    await c().ModifyServerlessCache({ ServerlessCacheName: 'rd-cache', UserGroupId: 'rd-users' });
    const { UserGroups = [] } = await c().DescribeUserGroups({ UserGroupId: 'rd-users' });
    expect(UserGroups[0]?.ServerlessCaches?.sort()).toEqual(['rd-cache', 'vk-cache']);
  });

  it('the user group must exist and be active; UserGroupId and RemoveUserGroup do not go together', async () => {
    model.seedServerlessCache({ name: 'vk-cache', engine: 'valkey' });
    expect(
      await faultOf('ModifyServerlessCache', () =>
        c().ModifyServerlessCache({ ServerlessCacheName: 'vk-cache', UserGroupId: 'nope' }),
      ),
    ).toBe('UserGroupNotFoundFault');
    expect(
      await faultOf('CreateServerlessCache', () =>
        c().CreateServerlessCache({ ServerlessCacheName: 'other', Engine: 'valkey', UserGroupId: 'nope' }),
      ),
    ).toBe('UserGroupNotFoundFault');
    await c().CreateUserGroup({ UserGroupId: 'new-users', Engine: 'redis', UserIds: ['default'] });
    expect(
      await faultOf('ModifyServerlessCache', () =>
        c().ModifyServerlessCache({ ServerlessCacheName: 'vk-cache', UserGroupId: 'new-users' }),
      ),
    ).toBe('InvalidUserGroupStateFault');
    expect(
      await faultOf('ModifyServerlessCache', () =>
        c().ModifyServerlessCache({
          ServerlessCacheName: 'vk-cache',
          UserGroupId: 'rd-users',
          RemoveUserGroup: true,
        }),
      ),
    ).toBe('InvalidParameterCombinationException');
    expect(
      await faultOf('CreateServerlessCache', () =>
        c().CreateServerlessCache({ ServerlessCacheName: 'vk-cache', Engine: 'valkey' }),
      ),
    ).toBe('ServerlessCacheAlreadyExistsFault');
    expect(
      await faultOf('CreateServerlessCache', () =>
        c().CreateServerlessCache({ ServerlessCacheName: 'x', Engine: 'redis', MajorEngineVersion: '6' }),
      ),
    ).toBe('InvalidParameterValueException');
  });

  it('a user group used by a serverless cache cannot be deleted; removed from it, it can', async () => {
    model.seedServerlessCache({ name: 'vk-cache', engine: 'valkey', userGroupId: 'vk-users' });
    await expect(c().DeleteUserGroup({ UserGroupId: 'vk-users' })).rejects.toMatchObject({
      name: 'InvalidUserGroupStateFault',
    });
    await c().ModifyServerlessCache({ ServerlessCacheName: 'vk-cache', RemoveUserGroup: true });
    clock.advance(model.delays.serverlessModify);
    await c().DeleteUserGroup({ UserGroupId: 'vk-users' });
  });

  it('a change of the group lands on its serverless caches after the group: they are modifying meanwhile', async () => {
    model.seedServerlessCache({ name: 'vk-cache', engine: 'valkey', userGroupId: 'vk-users' });
    model.seedUser({
      userId: 'app',
      userName: 'app',
      engine: 'valkey',
      accessString: 'on ~app:* +@read',
      passwords: ['a-password-of-the-app-0001'],
    });
    await c().ModifyUserGroup({ UserGroupId: 'vk-users', UserIdsToAdd: ['app'] });
    const status = async () =>
      (await c().DescribeServerlessCaches({ ServerlessCacheName: 'vk-cache' })).ServerlessCaches?.[0]?.Status;
    expect(await status()).toBe('available');
    clock.advance(model.delays.userGroupModify);
    expect(await status()).toBe('modifying');
    clock.advance(model.delays.serverlessUserGroupSync);
    expect(await status()).toBe('available');
  });
});
