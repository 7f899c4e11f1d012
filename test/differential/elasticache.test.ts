/**
 * ElastiCache RBAC users: the sandbox against moto_server (see differential.ts). moto implements
 * CreateUser, DescribeUsers, DeleteUser and DescribeReplicationGroups (no user groups, no
 * ModifyUser), so the cases are the user validation cachegate's onboarding relies on.
 */
import { afterAll, beforeAll, describe } from '@jest/globals';
import {
  CreateUserCommand,
  DeleteUserCommand,
  DescribeReplicationGroupsCommand,
  DescribeUsersCommand,
  ElastiCacheClient,
  type CreateUserCommandInput,
  type User,
} from '@aws-sdk/client-elasticache';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { attachSandboxRouting } from '../../local/sandbox/sandbox.js';
import { attempt, differentialCases, type DifferentialCase } from './differential.js';
import { motoAvailable, startMotoServer, type MotoServer } from './moto-server.js';

type Ec = ElastiCacheClient;
const PASSWORD = 'differential-password-0001';

/** What both sides are compared on: no access string (AWS rewrites it; moto stores it as given). */
const shape = (user: User | undefined) => ({
  UserId: user?.UserId,
  UserName: user?.UserName,
  Engine: user?.Engine,
  Authentication: user?.Authentication?.Type,
  PasswordCount: user?.Authentication?.PasswordCount ?? 0,
});

const create = (ec: Ec, input: Partial<CreateUserCommandInput> & { UserId: string }) =>
  ec.send(
    new CreateUserCommand({
      UserName: input.UserId,
      Engine: 'redis',
      AccessString: 'on ~app:* +@read',
      ...input,
    } as CreateUserCommandInput),
  );

const cases: DifferentialCase<Ec>[] = [
  {
    name: 'CreateUser with one password',
    run: async (ec, ns) => attempt(create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD] }), shape),
  },
  {
    name: 'CreateUser with two passwords',
    run: async (ec, ns) =>
      attempt(create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD, `${PASSWORD}-2`] }), shape),
  },
  {
    name: 'CreateUser with NoPasswordRequired',
    run: async (ec, ns) => attempt(create(ec, { UserId: `${ns}-a`, NoPasswordRequired: true }), shape),
  },
  {
    name: 'CreateUser with AuthenticationMode password',
    run: async (ec, ns) =>
      attempt(
        create(ec, { UserId: `${ns}-a`, AuthenticationMode: { Type: 'password', Passwords: [PASSWORD] } }),
        shape,
      ),
  },
  {
    name: 'CreateUser with AuthenticationMode password and no password is refused',
    run: async (ec, ns) =>
      attempt(create(ec, { UserId: `${ns}-a`, AuthenticationMode: { Type: 'password' } })),
  },
  {
    name: 'CreateUser with AuthenticationMode iam',
    run: async (ec, ns) =>
      attempt(create(ec, { UserId: `${ns}-a`, AuthenticationMode: { Type: 'iam' } }), shape),
  },
  {
    name: 'CreateUser with an existing ID fails with UserAlreadyExistsFault',
    run: async (ec, ns) => {
      await create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD] });
      return attempt(create(ec, { UserId: `${ns}-a`, UserName: `${ns}-other`, Passwords: [PASSWORD] }));
    },
  },
  {
    name: 'DescribeUsers by ID',
    run: async (ec, ns) => {
      await create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD] });
      return attempt(ec.send(new DescribeUsersCommand({ UserId: `${ns}-a` })), (o) => o.Users?.map(shape));
    },
  },
  {
    name: 'DescribeUsers of an unknown ID fails with UserNotFoundFault',
    run: async (ec, ns) => attempt(ec.send(new DescribeUsersCommand({ UserId: `${ns}-missing` }))),
  },
  {
    name: 'DeleteUser of an unknown ID fails with UserNotFoundFault',
    run: async (ec, ns) => attempt(ec.send(new DeleteUserCommand({ UserId: `${ns}-missing` }))),
  },
  {
    name: 'DeleteUser answers deleting',
    run: async (ec, ns) => {
      await create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD] });
      await settle(ec, `${ns}-a`);
      return attempt(ec.send(new DeleteUserCommand({ UserId: `${ns}-a` })), (o) => o.Status);
    },
  },
  {
    name: 'DescribeReplicationGroups of an unknown ID fails with ReplicationGroupNotFoundFault',
    run: async (ec, ns) =>
      attempt(ec.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: `${ns}-rg` }))),
  },
  {
    name: 'a mixed-case user ID is stored in lower case',
    differs: {
      aws: { ok: 'mixed-case-user' },
      reason: 'moto keeps the case as given',
      source: 'ElastiCache API reference, CreateUser UserId: "This value is stored as a lowercase string"',
    },
    run: async (ec) => {
      // One ID for both sides: the lower-cased spelling is the assertion.
      return attempt(
        create(ec, { UserId: 'Mixed-Case-User', UserName: 'mixed', Passwords: [PASSWORD] }),
        (o) => o.UserId,
      );
    },
  },
  {
    name: 'CreateUser with three passwords is refused',
    differs: {
      aws: { error: 'InvalidParameterValueException' },
      reason: 'moto accepts any number of passwords',
      source:
        'ElastiCache API reference, CreateUser Passwords: "You can create up to two passwords for each user" (error name: assumption)',
    },
    run: async (ec, ns) =>
      attempt(create(ec, { UserId: `${ns}-a`, Passwords: [PASSWORD, `${PASSWORD}-2`, `${PASSWORD}-3`] })),
  },
  {
    name: 'a password shorter than 16 characters is refused',
    run: async (ec, ns) => attempt(create(ec, { UserId: `${ns}-a`, Passwords: ['too-short'] })),
  },
];

/** The sandbox answers CreateUser with `creating`; moto with `active`. Wait for `active` where it matters. */
async function settle(ec: Ec, userId: string): Promise<void> {
  for (let i = 0; i < 5; i += 1) {
    const { Users } = await ec.send(new DescribeUsersCommand({ UserId: userId }));
    if (Users?.[0]?.Status === 'active') return;
    sandboxClock?.();
  }
}
let sandboxClock: (() => void) | undefined;

const describeIf = motoAvailable() ? describe : describe.skip;

describeIf('differential: ElastiCache users, sandbox vs moto_server', () => {
  let moto: MotoServer;
  let sandbox: Sandbox;
  let clients: { sandbox: Ec; moto: Ec };
  beforeAll(async () => {
    moto = await startMotoServer();
    sandbox = await createSandbox({ dynamoDb: false });
    sandboxClock = () => sandbox.clock.advance(60_000);
    // The sandbox routes by the client's region and its credentials' account: the defaults it installs.
    const local = new ElastiCacheClient({
      region: sandbox.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    attachSandboxRouting(local);
    clients = { sandbox: local, moto: new ElastiCacheClient(moto.clientConfig) };
  });
  afterAll(async () => {
    await sandbox?.close();
    await moto?.stop();
  });

  differentialCases('ec', 'ElastiCache', cases, () => clients);
});
