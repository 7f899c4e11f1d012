/**
 * The sandbox's stand-in for an ElastiCache cache endpoint answering `AUTH`: a loopback TCP
 * server speaking just enough RESP for the connectivity probe. `AUTH <user> <IAM token>` goes to
 * the sandbox's IAM authentication check (`elasticache-iam-auth.ts`: SigV4 recomputed
 * independently, user, group and `elasticache:Connect` checked); `AUTH <user> <password>` is
 * checked against the passwords the model settled for a password user of the cache's user
 * group. Every other command is refused.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from './sandbox/index.js';
import { authenticateWithIamToken, type IamAuthResult } from './sandbox/models/elasticache/iam-auth.js';
import type { IamModel } from './sandbox/models/iam.js';

export interface CacheAuthEndpoint {
  readonly port: number;
  /** Every AUTH answered, newest last (the sandbox's reasons; never the token). */
  readonly attempts: { userName: string; result: IamAuthResult }[];
  close(): Promise<void>;
}

/**
 * Serves AUTH for `cacheId` (a replication group or, with `serverless`, a serverless cache) on
 * 127.0.0.1, a random port. `passwordsOf` gives a user's current passwords by user ID (from the
 * model's `onUserChanged` hook); without it password AUTH is refused.
 */
export async function startCacheAuthEndpoint(
  sandbox: Sandbox,
  cacheId: string,
  options: { serverless?: boolean; passwordsOf?: (userId: string) => readonly string[] | undefined } = {},
): Promise<CacheAuthEndpoint> {
  const attempts: CacheAuthEndpoint['attempts'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = readCommand(buffer);
        if (!parsed) return;
        buffer = buffer.subarray(parsed.length);
        void answer(parsed.args).then((reply) => socket.write(reply));
      }
    });
  });
  const answer = async (args: string[]): Promise<string> => {
    if (args[0]?.toUpperCase() !== 'AUTH' || args.length !== 3) {
      return '-ERR sandbox: this endpoint serves only AUTH <user> <token>\r\n';
    }
    const userName = args[1]!;
    const secret = args[2]!;
    const result = secret.includes('Action=connect')
      ? await authenticateWithIamToken(sandbox, { cacheId, userName, token: secret })
      : await authenticateWithPassword(sandbox, cacheId, options, userName, secret);
    attempts.push({ userName, result });
    return result.ok ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A password user of the cache's user group whose settled passwords include `password`. */
async function authenticateWithPassword(
  sandbox: Sandbox,
  cacheId: string,
  options: { serverless?: boolean; passwordsOf?: (userId: string) => readonly string[] | undefined },
  userName: string,
  password: string,
): Promise<IamAuthResult> {
  const groups = options.serverless
    ? ((
        await describe(
          sandbox,
          'DescribeServerlessCaches',
          { ServerlessCacheName: cacheId },
          'ServerlessCaches',
        )
      )?.UserGroupId as string | undefined)
    : ((
        await describe(
          sandbox,
          'DescribeReplicationGroups',
          { ReplicationGroupId: cacheId },
          'ReplicationGroups',
        )
      )?.UserGroupIds?.[0] as string | undefined);
  if (groups === undefined) return { ok: false, reason: `cache ${cacheId} has no user group` };
  const group = await describe(sandbox, 'DescribeUserGroups', { UserGroupId: groups }, 'UserGroups');
  for (const userId of (group?.UserIds ?? []) as string[]) {
    const user = await describe(sandbox, 'DescribeUsers', { UserId: userId }, 'Users');
    if (user?.UserName !== userName || user?.Authentication?.Type !== 'password') continue;
    if (options.passwordsOf?.(userId)?.includes(password)) return { ok: true, principalArn: '' };
  }
  return { ok: false, reason: 'no password user of the cache with that password' };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain model output, read field by field
async function describe(sandbox: Sandbox, command: string, input: object, list: string): Promise<any> {
  try {
    const output = (await sandbox.dispatch('ElastiCache', command, input)) as Record<string, unknown[]>;
    return output[list]?.[0];
  } catch {
    return undefined;
  }
}

/** One RESP array of bulk strings, and how many bytes it took; undefined until complete. */
function readCommand(buffer: Buffer): { args: string[]; length: number } | undefined {
  const line = (offset: number) => {
    const end = buffer.indexOf('\r\n', offset);
    return end < 0 ? undefined : { text: buffer.toString('utf8', offset, end), next: end + 2 };
  };
  const header = line(0);
  if (!header) return undefined;
  if (!header.text.startsWith('*')) return { args: [header.text], length: header.next };
  const count = Number(header.text.slice(1));
  const args: string[] = [];
  let offset = header.next;
  for (let i = 0; i < count; i += 1) {
    const size = line(offset);
    if (!size) return undefined;
    const length = Number(size.text.slice(1));
    if (buffer.length < size.next + length + 2) return undefined;
    args.push(buffer.toString('utf8', size.next, size.next + length));
    offset = size.next + length + 2;
  }
  return { args, length: offset };
}

/** The IAM role cachegate's functions run as in the sandbox, and its reviewed grant for verify-iam-user. */
export const SANDBOX_FUNCTIONS_ROLE = 'cachegate-functions';

/**
 * Makes the sandbox's own signing key (`sandbox`, what every SDK client in the sandbox signs
 * with) belong to cachegate's functions' role, with the policy the deployed verify-iam-user
 * function gets: `elasticache:Connect` on the account's caches and users. Without it the
 * sandbox's cache refuses the probe's token (unknown access key), as AWS would.
 */
export async function seedFunctionsRole(sandbox: Sandbox): Promise<string> {
  const iam = sandbox.model<IamModel>('IAM');
  const role = iam.seedPrincipal('role', SANDBOX_FUNCTIONS_ROLE);
  iam.seedAccessKey(role, 'sandbox', 'sandbox');
  const prefix = `arn:aws:elasticache:${sandbox.region}:${sandbox.accountId}`;
  const { Policy } = (await sandbox.dispatch('IAM', 'CreatePolicy', {
    PolicyName: 'cachegate-verify-iam-user',
    Path: '/cachegate/',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['elasticache:Connect'],
          Resource: [`${prefix}:replicationgroup:*`, `${prefix}:serverlesscache:*`, `${prefix}:user:*`],
        },
      ],
    }),
  })) as { Policy: { Arn: string } };
  await sandbox.dispatch('IAM', 'AttachRolePolicy', {
    RoleName: SANDBOX_FUNCTIONS_ROLE,
    PolicyArn: Policy.Arn,
  });
  return role;
}
