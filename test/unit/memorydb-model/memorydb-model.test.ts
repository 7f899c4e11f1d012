import { beforeEach, describe, expect, it } from '@jest/globals';
import {
  ACLAlreadyExistsFault,
  ACLNotFoundFault,
  ClusterNotFoundFault,
  InvalidACLStateFault,
  InvalidClusterStateFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidUserStateFault,
  MemoryDBClient,
  NoOperationFault,
  UserAlreadyExistsFault,
  UserNotFoundFault,
  UserQuotaExceededFault,
  type ACL,
  type Cluster,
  type User,
} from '@aws-sdk/client-memorydb';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { MemoryDbModel } from '../../../local/sandbox/models/memorydb/index.js';

const PASSWORD_A = 'A'.repeat(20) + '-first-password';
const PASSWORD_B = 'B'.repeat(20) + '-second-password';

let clock: SandboxClock;
let model: MemoryDbModel;
const c = () => model.commands;

beforeEach(() => {
  clock = new SandboxClock({ speed: 0 });
  model = new MemoryDbModel(clock);
});

async function createUser(name: string, overrides: Record<string, unknown> = {}) {
  return c().CreateUser({
    UserName: name,
    AccessString: 'on ~app:* +@read',
    AuthenticationMode: { Type: 'password', Passwords: [PASSWORD_A] },
    ...overrides,
  });
}

async function describeUser(name: string): Promise<User> {
  const { Users } = await c().DescribeUsers({ UserName: name });
  return Users[0] as User;
}

async function describeAcl(name: string): Promise<ACL> {
  const { ACLs } = await c().DescribeACLs({ ACLName: name });
  return ACLs[0] as ACL;
}

async function describeCluster(name: string): Promise<Cluster> {
  const { Clusters } = await c().DescribeClusters({ ClusterName: name });
  return Clusters[0] as Cluster;
}

async function activeAcl(name: string, userNames: string[]) {
  await c().CreateACL({ ACLName: name, UserNames: userNames });
  clock.advance(model.delays.aclCreate);
}

describe('MemoryDB model', () => {
  it('uses the SDK service id', () => {
    expect(model.serviceId).toBe(new MemoryDBClient({ region: 'us-east-1' }).config.serviceId);
  });

  describe('users', () => {
    it('creates an active user named in lower case, showing only how many passwords it has', async () => {
      const { User: created } = await createUser('App-Reader', {
        AuthenticationMode: { Type: 'password', Passwords: [PASSWORD_A, PASSWORD_B] },
      });
      expect(created).toMatchObject({
        Name: 'app-reader',
        Status: 'active',
        Authentication: { Type: 'password', PasswordCount: 2 },
        ACLNames: [],
        ARN: 'arn:aws:memorydb:us-east-1:000000000000:user/app-reader',
      });
      expect(JSON.stringify(created)).not.toContain(PASSWORD_A);
      expect(await describeUser('APP-READER')).toMatchObject({ Name: 'app-reader' });
    });

    it('creates an IAM user without passwords and refuses passwords with iam', async () => {
      const { User: created } = await createUser('iam-user', { AuthenticationMode: { Type: 'iam' } });
      expect(created?.Authentication).toEqual({ Type: 'iam' });
      await expect(
        createUser('iam-bad', { AuthenticationMode: { Type: 'iam', Passwords: [PASSWORD_A] } }),
      ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
    });

    it.each([
      ['no authentication mode', { AuthenticationMode: undefined }],
      [
        'no-password-required (not a MemoryDB input type)',
        { AuthenticationMode: { Type: 'no-password-required' } },
      ],
      [
        'three passwords',
        {
          AuthenticationMode: {
            Type: 'password',
            Passwords: ['x'.repeat(16), 'y'.repeat(16), 'z'.repeat(16)],
          },
        },
      ],
      ['a short password', { AuthenticationMode: { Type: 'password', Passwords: ['short-secret'] } }],
      ['a password in the access string', { AccessString: 'on ~* +@all >secret-password-1234' }],
      ['a name with an underscore', { UserName: 'bad_name' }],
    ])('refuses %s without quoting a password', async (_, overrides) => {
      const error = await createUser('checked', overrides).then(
        () => new Error('no error'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(InvalidParameterValueException);
      expect(error.message).not.toContain('short-secret');
      expect(error.message).not.toContain('secret-password-1234');
      await expect(c().DescribeUsers({ UserName: 'checked' })).rejects.toBeInstanceOf(UserNotFoundFault);
    });

    it('refuses a second user with the same name and enforces the user quota', async () => {
      await createUser('dup');
      await expect(createUser('DUP')).rejects.toBeInstanceOf(UserAlreadyExistsFault);
      model.quotas.usersPerAccount = 2; // the built-in default user and `dup`
      await expect(createUser('third')).rejects.toBeInstanceOf(UserQuotaExceededFault);
    });

    it('updates a user asynchronously: modifying, a second update fails, the change shows once active', async () => {
      await createUser('rotating');
      const { User: updating } = await c().UpdateUser({
        UserName: 'rotating',
        AuthenticationMode: { Type: 'password', Passwords: [PASSWORD_B, PASSWORD_A] },
      });
      expect(updating).toMatchObject({ Status: 'modifying', Authentication: { PasswordCount: 1 } });
      await expect(c().UpdateUser({ UserName: 'rotating', AccessString: 'off' })).rejects.toBeInstanceOf(
        InvalidUserStateFault,
      );
      clock.advance(model.delays.userModify);
      expect(await describeUser('rotating')).toMatchObject({
        Status: 'active',
        Authentication: { Type: 'password', PasswordCount: 2 },
      });
      await expect(c().UpdateUser({ UserName: 'rotating' })).rejects.toBeInstanceOf(
        InvalidParameterCombinationException,
      );
    });

    it('deletes a user asynchronously and takes it out of every ACL', async () => {
      await createUser('leaver');
      await activeAcl('team', ['leaver']);
      const { User: deleting } = await c().DeleteUser({ UserName: 'leaver' });
      expect(deleting?.Status).toBe('deleting');
      await expect(c().DeleteUser({ UserName: 'leaver' })).rejects.toBeInstanceOf(InvalidUserStateFault);
      clock.advance(model.delays.userDelete);
      await expect(c().DescribeUsers({ UserName: 'leaver' })).rejects.toBeInstanceOf(UserNotFoundFault);
      expect((await describeAcl('team')).UserNames).toEqual([]);
      await expect(c().DeleteUser({ UserName: 'leaver' })).rejects.toBeInstanceOf(UserNotFoundFault);
    });

    it('protects the built-in default user', async () => {
      expect(await describeUser('default')).toMatchObject({
        Status: 'active',
        Authentication: { Type: 'no-password' },
        ACLNames: ['open-access'],
      });
      await expect(c().DeleteUser({ UserName: 'default' })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
      await expect(c().UpdateUser({ UserName: 'default', AccessString: 'off' })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
    });

    it('pages DescribeUsers with MaxResults and NextToken', async () => {
      for (let i = 0; i < 4; i += 1) await createUser(`paged-${i}`);
      const first = await c().DescribeUsers({ MaxResults: 3 });
      expect(first.Users).toHaveLength(3);
      const second = await c().DescribeUsers({ MaxResults: 3, NextToken: first.NextToken });
      expect(second.Users?.map((u) => u.Name)).toEqual(['paged-2', 'paged-3']);
      expect(second.NextToken).toBeUndefined();
    });

    it('answers a bad parameter with the fault each Describe declares (SDK @throws)', async () => {
      // DescribeUsers and DescribeACLs declare InvalidParameterCombinationException only;
      // DescribeClusters also declares InvalidParameterValueException.
      await expect(c().DescribeUsers({ MaxResults: 0 })).rejects.toBeInstanceOf(
        InvalidParameterCombinationException,
      );
      await expect(
        c().DescribeUsers({ Filters: [{ Name: 'access-string', Values: ['x'] }] }),
      ).rejects.toBeInstanceOf(InvalidParameterCombinationException);
      await expect(c().DescribeACLs({ NextToken: 'x' })).rejects.toBeInstanceOf(
        InvalidParameterCombinationException,
      );
      await expect(c().DescribeClusters({ MaxResults: 101 })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
    });
  });

  describe('ACLs', () => {
    it('has the open-access ACL holding the default user, which cannot be changed or deleted', async () => {
      expect(await describeAcl('open-access')).toMatchObject({ Status: 'active', UserNames: ['default'] });
      await createUser('someone');
      await expect(
        c().UpdateACL({ ACLName: 'open-access', UserNamesToAdd: ['someone'] }),
      ).rejects.toBeInstanceOf(InvalidParameterValueException);
      await expect(c().DeleteACL({ ACLName: 'open-access' })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
    });

    it('creates an ACL of user names: creating, then active; names must exist', async () => {
      await createUser('member');
      const { ACL: created } = await c().CreateACL({ ACLName: 'team', UserNames: ['MEMBER'] });
      expect(created).toMatchObject({
        Name: 'team',
        Status: 'creating',
        UserNames: ['member'],
        ARN: 'arn:aws:memorydb:us-east-1:000000000000:acl/team',
      });
      await expect(c().UpdateACL({ ACLName: 'team', UserNamesToRemove: ['member'] })).rejects.toBeInstanceOf(
        InvalidACLStateFault,
      );
      clock.advance(model.delays.aclCreate);
      expect((await describeAcl('team')).Status).toBe('active');
      expect((await describeUser('member')).ACLNames).toEqual(['team']);
      await expect(c().CreateACL({ ACLName: 'team' })).rejects.toBeInstanceOf(ACLAlreadyExistsFault);
      await expect(c().CreateACL({ ACLName: 'ghosts', UserNames: ['nobody'] })).rejects.toBeInstanceOf(
        UserNotFoundFault,
      );
    });

    it('UpdateACL shows PendingChanges while modifying and applies them once active', async () => {
      await createUser('first');
      await createUser('second');
      await activeAcl('team', ['first']);
      const { ACL: modifying } = await c().UpdateACL({
        ACLName: 'team',
        UserNamesToAdd: ['second'],
        UserNamesToRemove: ['first'],
      });
      expect(modifying).toMatchObject({
        Status: 'modifying',
        UserNames: ['first'],
        PendingChanges: { UserNamesToAdd: ['second'], UserNamesToRemove: ['first'] },
      });
      await expect(c().UpdateACL({ ACLName: 'team', UserNamesToAdd: ['first'] })).rejects.toBeInstanceOf(
        InvalidACLStateFault,
      );
      clock.advance(model.delays.aclModify);
      const after = await describeAcl('team');
      expect(after).toMatchObject({ Status: 'active', UserNames: ['second'] });
      expect(after.PendingChanges).toBeUndefined();
    });

    it('one bad name fails the whole UpdateACL and changes nothing', async () => {
      await createUser('member');
      await createUser('outsider');
      await activeAcl('team', ['member']);
      await expect(
        c().UpdateACL({ ACLName: 'team', UserNamesToAdd: ['outsider'], UserNamesToRemove: ['stranger'] }),
      ).rejects.toBeInstanceOf(InvalidParameterValueException);
      await expect(c().UpdateACL({ ACLName: 'team', UserNamesToAdd: ['member'] })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
      await expect(c().UpdateACL({ ACLName: 'team' })).rejects.toBeInstanceOf(
        InvalidParameterCombinationException,
      );
      await expect(c().UpdateACL({ ACLName: 'nope', UserNamesToAdd: ['member'] })).rejects.toBeInstanceOf(
        ACLNotFoundFault,
      );
      expect(await describeAcl('team')).toMatchObject({ Status: 'active', UserNames: ['member'] });
    });

    it('enforces the users-per-ACL quota', async () => {
      model.quotas.usersPerAcl = 2;
      for (const name of ['one', 'two', 'three']) await createUser(name);
      await activeAcl('small', ['one', 'two']);
      await expect(c().UpdateACL({ ACLName: 'small', UserNamesToAdd: ['three'] })).rejects.toBeInstanceOf(
        InvalidParameterValueException,
      );
    });

    it('deletes an ACL only when no cluster uses it', async () => {
      await activeAcl('in-use', []);
      model.seedCluster({ name: 'orders', aclName: 'in-use' });
      await expect(c().DeleteACL({ ACLName: 'in-use' })).rejects.toBeInstanceOf(InvalidACLStateFault);
      await activeAcl('spare', []);
      expect((await c().DeleteACL({ ACLName: 'spare' })).ACL?.Status).toBe('deleting');
      clock.advance(model.delays.aclDelete);
      await expect(c().DescribeACLs({ ACLName: 'spare' })).rejects.toBeInstanceOf(ACLNotFoundFault);
    });
  });

  describe('clusters', () => {
    it('switches a TLS cluster to an ACL: updating with PendingUpdates, then available with ACLName', async () => {
      model.seedCluster({ name: 'orders' });
      await activeAcl('team', []);
      expect(await describeCluster('orders')).toMatchObject({ ACLName: 'open-access', TLSEnabled: true });
      const { Cluster: updating } = await c().UpdateCluster({ ClusterName: 'orders', ACLName: 'team' });
      expect(updating).toMatchObject({
        Status: 'updating',
        ACLName: 'open-access',
        PendingUpdates: { ACLs: { ACLToApply: 'team' } },
      });
      expect((await describeAcl('team')).Clusters).toEqual(['orders']);
      await expect(
        c().UpdateCluster({ ClusterName: 'orders', ACLName: 'open-access' }),
      ).rejects.toBeInstanceOf(InvalidClusterStateFault);
      clock.advance(model.delays.clusterUpdate);
      const after = await describeCluster('orders');
      expect(after).toMatchObject({ Status: 'available', ACLName: 'team' });
      expect(after.PendingUpdates).toBeUndefined();
      await expect(c().UpdateCluster({ ClusterName: 'orders', ACLName: 'team' })).rejects.toBeInstanceOf(
        NoOperationFault,
      );
    });

    it('needs TLS for any ACL but open-access', async () => {
      model.seedCluster({ name: 'plaintext', tlsEnabled: false });
      await activeAcl('team', []);
      const error = await c()
        .UpdateCluster({ ClusterName: 'plaintext', ACLName: 'team' })
        .then(
          () => new Error('no error'),
          (e: unknown) => e as Error,
        );
      expect(error).toBeInstanceOf(InvalidParameterCombinationException);
      expect(error.message).toMatch(/TLS/);
      expect((await describeCluster('plaintext')).Status).toBe('available');
    });

    it('refuses unknown clusters and ACLs, an ACL still being created, and unmodelled parameters', async () => {
      model.seedCluster({ name: 'orders' });
      await expect(c().DescribeClusters({ ClusterName: 'nope' })).rejects.toBeInstanceOf(
        ClusterNotFoundFault,
      );
      await expect(c().UpdateCluster({ ClusterName: 'orders', ACLName: 'nope' })).rejects.toBeInstanceOf(
        ACLNotFoundFault,
      );
      await c().CreateACL({ ACLName: 'young' });
      await expect(c().UpdateCluster({ ClusterName: 'orders', ACLName: 'young' })).rejects.toBeInstanceOf(
        InvalidACLStateFault,
      );
      await expect(
        c().UpdateCluster({ ClusterName: 'orders', NodeType: 'db.r6g.large' }),
      ).rejects.toBeInstanceOf(InvalidParameterValueException);
    });
  });

  it('tells the hook about settled users with their passwords, and about deletions', async () => {
    const seen: [string, string, number][] = [];
    model.onUserChanged = (user, passwords) => {
      seen.push([user.Name ?? '', user.Status ?? '', passwords.length]);
    };
    await createUser('hooked');
    await c().UpdateUser({
      UserName: 'hooked',
      AuthenticationMode: { Type: 'password', Passwords: [PASSWORD_A, PASSWORD_B] },
    });
    clock.advance(model.delays.userModify);
    await c().DeleteUser({ UserName: 'hooked' });
    clock.advance(model.delays.userDelete);
    await model.settle();
    expect(seen).toEqual([
      ['hooked', 'active', 1],
      ['hooked', 'active', 2],
      ['hooked', 'deleted', 0],
    ]);
  });
});
