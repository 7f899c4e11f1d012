/**
 * cachegate's own ElastiCache adapter (functions/aws/elasticache.ts), unchanged, against the
 * sandbox and against moto_server (see differential.ts; routeAdaptersPerSide sends each call to
 * the side the case is running on). moto implements CreateUser, DescribeUsers, DeleteUser,
 * CreateReplicationGroup, DescribeReplicationGroups and DescribeCacheClusters (no user groups, no
 * ModifyUser, no ModifyReplicationGroup): the cases are the adapter functions built on those.
 */
import { afterAll, beforeAll, describe } from '@jest/globals';
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  createUser,
  deleteUser,
  describeEngineVersion,
  describeReplicationGroup,
  describeUser,
  listReplicationGroupPostures,
  listUsers,
} from '../../functions/aws/elasticache.js';
import type { CacheUser, NewCacheUser } from '../../functions/core/ports/cache-rbac.js';
import { createSandbox, type Sandbox } from '../../local/sandbox/index.js';
import type { ElastiCacheModel } from '../../local/sandbox/models/elasticache/index.js';
import { differentialCases, type DifferentialCase, type Outcome } from './differential.js';
import { motoAvailable, routeAdaptersPerSide, startMotoServer, type MotoServer } from './moto-server.js';

interface Side {
  /** Routes the adapter's next calls to this side. */
  use(): void;
  /** A replication group that exists already (moto: CreateReplicationGroup; sandbox: seeded). */
  replicationGroup(id: string, engineVersion: string): Promise<void>;
  /** Lets pending changes finish (the sandbox's users are `creating` first; moto's are `active`). */
  settle(): void;
}

const PASSWORD = 'differential-password-0001';

const spec = (userId: string, overrides: Partial<NewCacheUser> = {}): NewCacheUser => ({
  userId,
  userName: userId,
  engine: 'redis',
  accessString: 'on ~app:* +@read',
  passwords: [PASSWORD],
  iam: false,
  createdBy: 'arn:aws:states:us-east-1:000000000000:execution:onboard-user:differential',
  ...overrides,
});

/** What both sides are compared on (not the status: the sandbox answers creating, moto active). */
const user = (u: CacheUser | undefined) =>
  u && {
    userId: u.userId,
    userName: u.userName,
    engine: u.engine,
    authenticationType: u.authenticationType,
    passwordCount: u.passwordCount,
  };

/** The adapter's result, or the name of the error it let through. */
async function outcome<T>(call: () => Promise<T>, pick: (value: T) => Outcome = (v) => v): Promise<Outcome> {
  try {
    return { ok: pick(await call()) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

const cases: DifferentialCase<Side>[] = [
  {
    name: 'adapter createUser with a password',
    run: async (side, ns) => {
      side.use();
      return outcome(
        () => createUser(spec(`${ns}-a`)),
        (r) => ({ created: r.created, user: user(r.user) }),
      );
    },
  },
  {
    name: 'adapter createUser with IAM authentication',
    run: async (side, ns) => {
      side.use();
      return outcome(
        () => createUser(spec(`${ns}-a`, { passwords: [], iam: true })),
        (r) => user(r.user),
      );
    },
  },
  {
    name: 'adapter createUser retried with the same user counts as created before',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`));
      return outcome(
        () => createUser(spec(`${ns}-a`)),
        (r) => ({ created: r.created, user: user(r.user) }),
      );
    },
  },
  {
    name: 'adapter createUser over the same user created by another run (its tag) is a ConflictError',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`, { createdBy: 'someone-else' }));
      return outcome(() => createUser(spec(`${ns}-a`)));
    },
  },
  {
    name: 'adapter createUser over an existing user with another access string is a ConflictError',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`));
      return outcome(() => createUser(spec(`${ns}-a`, { accessString: 'on ~* +@all' })));
    },
  },
  {
    name: 'adapter createUser with a password shorter than 16 characters is refused',
    run: async (side, ns) => {
      side.use();
      return outcome(() => createUser(spec(`${ns}-a`, { passwords: ['too-short'] })));
    },
  },
  {
    name: 'adapter describeUser of an unknown user is undefined',
    run: async (side, ns) => {
      side.use();
      return outcome(() => describeUser(`${ns}-missing`));
    },
  },
  {
    name: 'adapter describeUser reads the created user',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`, { passwords: [PASSWORD, `${PASSWORD}-2`] }));
      return outcome(() => describeUser(`${ns}-a`), user);
    },
  },
  {
    name: 'adapter listUsers lists the created users',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`));
      await createUser(spec(`${ns}-b`, { passwords: [], iam: true }));
      return outcome(listUsers, (users) =>
        users
          .filter((u) => u.userId.startsWith(`${ns}-`))
          .map(user)
          .sort((a, b) => String(a?.userId).localeCompare(String(b?.userId))),
      );
    },
  },
  {
    name: 'adapter deleteUser of an unknown user answers false',
    run: async (side, ns) => {
      side.use();
      return outcome(() => deleteUser(`${ns}-missing`));
    },
  },
  {
    name: 'adapter deleteUser of an active user answers true',
    run: async (side, ns) => {
      side.use();
      await createUser(spec(`${ns}-a`));
      side.settle();
      return outcome(() => deleteUser(`${ns}-a`));
    },
  },
  {
    name: 'adapter describeReplicationGroup of an unknown group is undefined',
    run: async (side, ns) => {
      side.use();
      return outcome(() => describeReplicationGroup(`${ns}-rg`));
    },
  },
  {
    name: 'adapter describeReplicationGroup reads TLS, AUTH and user groups',
    run: async (side, ns) => {
      await side.replicationGroup(`${ns}-rg`, '7.1');
      side.use();
      return outcome(
        () => describeReplicationGroup(`${ns}-rg`),
        (g) =>
          g && {
            replicationGroupId: g.replicationGroupId,
            engine: g.engine,
            transitEncryptionEnabled: g.transitEncryptionEnabled,
            authTokenEnabled: g.authTokenEnabled,
            userGroupIds: g.userGroupIds,
          },
      );
    },
  },
  {
    name: 'adapter describeEngineVersion reads the version from the member cluster',
    differs: {
      aws: { ok: '6.2' },
      reason:
        'moto lists MemberClusters on the replication group but DescribeCacheClusters does not know them (CacheClusterNotFoundFault)',
      source:
        'ElastiCache API reference: ReplicationGroup.MemberClusters ("the names of all the cache clusters that are part of this replication group"), DescribeCacheClusters, CacheCluster.ReplicationGroupId and EngineVersion',
    },
    run: async (side, ns) => {
      await side.replicationGroup(`${ns}-rg`, '6.2');
      side.use();
      return outcome(() => describeEngineVersion(`${ns}-rg`));
    },
  },
  {
    name: 'adapter listReplicationGroupPostures sees the group as the posture audit reads it',
    run: async (side, ns) => {
      await side.replicationGroup(`${ns}-rg`, '7.1');
      side.use();
      return outcome(listReplicationGroupPostures, (caches) =>
        caches
          .filter((c) => c.id === `${ns}-rg`)
          .map((c) => ({ ...c, authTokenLastModified: c.authTokenLastModified === undefined })),
      );
    },
  },
];

const describeIf = motoAvailable() ? describe : describe.skip;

describeIf("differential: cachegate's ElastiCache adapter, sandbox vs moto_server", () => {
  let moto: MotoServer;
  let sandbox: Sandbox;
  let sides: { sandbox: Side; moto: Side };
  beforeAll(async () => {
    moto = await startMotoServer();
    sandbox = await createSandbox({ dynamoDb: false });
    const route = routeAdaptersPerSide(moto);
    const motoEc = new ElastiCacheClient(moto.clientConfig);
    const model = sandbox.model<ElastiCacheModel>('ElastiCache');
    sides = {
      sandbox: {
        use: () => route.use('sandbox'),
        settle: () => sandbox.clock.advance(60_000),
        replicationGroup: async (id, engineVersion) =>
          model.seedReplicationGroup({ id, transitEncryption: true, engineVersion }),
      },
      moto: {
        use: () => route.use('moto'),
        settle: () => undefined,
        replicationGroup: async (id, engineVersion) => {
          await motoEc.send(
            new CreateReplicationGroupCommand({
              ReplicationGroupId: id,
              ReplicationGroupDescription: 'differential',
              Engine: 'redis',
              EngineVersion: engineVersion,
              CacheNodeType: 'cache.t4g.micro',
              NumCacheClusters: 1,
              TransitEncryptionEnabled: true,
            }),
          );
        },
      },
    };
  });
  afterAll(async () => {
    await sandbox?.close();
    await moto?.stop();
  });

  differentialCases('eca', 'ElastiCache adapter', cases, () => sides);
});
