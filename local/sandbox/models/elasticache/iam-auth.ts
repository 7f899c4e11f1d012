import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Sandbox } from '../../sandbox.js';
import type { IamModel } from '../iam.js';

const TOKEN_LIFETIME_SECONDS = 900;

/** What an `AUTH <user> <token>` on an IAM-enabled cache comes to in the sandbox. */
export type IamAuthResult = { ok: true; principalArn: string } | { ok: false; reason: string };

/**
 * The check an ElastiCache node makes on `AUTH <user> <iam-token>` (IAM authentication guide):
 * the token is a SigV4-presigned `GET <cache>/?Action=connect&User=<user>` (with
 * `&ResourceType=ServerlessCache` for a serverless cache) for `elasticache` in
 * the cache's region, at most 15 minutes old, signed by a known access key; the user exists,
 * uses IAM authentication and is in the cache's user group; the key's principal has an IAM
 * policy allowing `elasticache:Connect` on the cache and on the user. The signature is recomputed
 * here from the SigV4 specification with node:crypto, independently of the signer cachegate uses.
 */
export async function authenticateWithIamToken(
  sandbox: Sandbox,
  attempt: { cacheId: string; userName: string; token: string },
): Promise<IamAuthResult> {
  const signed = parseToken(attempt.token);
  if (!signed) return { ok: false, reason: 'not a presigned connect request' };
  const { host, query } = signed;
  if (host !== attempt.cacheId) return { ok: false, reason: `token is for ${host}, not ${attempt.cacheId}` };
  if (query.get('Action') !== 'connect') return { ok: false, reason: 'Action is not connect' };
  if (query.get('User') !== attempt.userName) return { ok: false, reason: 'token is for another user' };
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return { ok: false, reason: 'not SigV4' };
  const [accessKeyId, shortDate, region, service, terminator] = (query.get('X-Amz-Credential') ?? '').split(
    '/',
  );
  if (region !== sandbox.region || service !== 'elasticache' || terminator !== 'aws4_request') {
    return { ok: false, reason: 'credential scope is not elasticache in this region' };
  }
  const longDate = query.get('X-Amz-Date') ?? '';
  const signedAt = Date.parse(
    longDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const expires = Number(query.get('X-Amz-Expires'));
  const now = sandbox.clock.nowMs();
  if (Number.isNaN(signedAt) || !longDate.startsWith(shortDate ?? '-'))
    return { ok: false, reason: 'bad X-Amz-Date' };
  if (!(expires > 0 && expires <= TOKEN_LIFETIME_SECONDS))
    return { ok: false, reason: 'X-Amz-Expires over 900' };
  if (now > signedAt + expires * 1000) return { ok: false, reason: 'token expired' };
  if (signedAt > now + 5 * 60_000) return { ok: false, reason: 'token signed in the future' };

  const iam = sandbox.model<IamModel>('IAM');
  const key = iam.accessKey(accessKeyId ?? '');
  if (!key) return { ok: false, reason: 'unknown access key' };
  const expected = signature(key.secretAccessKey, {
    host,
    query,
    longDate,
    scope: [shortDate!, region, service],
  });
  const given = Buffer.from(query.get('X-Amz-Signature') ?? '', 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    return { ok: false, reason: 'signature does not match' };
  }

  const user = await describe(sandbox, 'DescribeUsers', { UserId: attempt.userName }, 'Users');
  if (user?.Authentication?.Type !== 'iam')
    return { ok: false, reason: 'user does not use IAM authentication' };
  // A serverless cache's token says so (`ResourceType=ServerlessCache`); its one user group is
  // `UserGroupId`, a replication group's are `UserGroupIds`.
  const serverless = query.get('ResourceType') === 'ServerlessCache';
  const cache = serverless
    ? await describe(
        sandbox,
        'DescribeServerlessCaches',
        { ServerlessCacheName: attempt.cacheId },
        'ServerlessCaches',
      )
    : await describe(
        sandbox,
        'DescribeReplicationGroups',
        { ReplicationGroupId: attempt.cacheId },
        'ReplicationGroups',
      );
  if (!cache)
    return {
      ok: false,
      reason: `no ${serverless ? 'serverless cache' : 'replication group'} ${attempt.cacheId}`,
    };
  const groups: string[] = serverless ? [cache.UserGroupId].filter(Boolean) : (cache.UserGroupIds ?? []);
  if (!groups.some((id) => (user.UserGroupIds ?? []).includes(id))) {
    return { ok: false, reason: "user is not in the cache's user group" };
  }
  if (!iam.allows(key.principalArn, 'elasticache:Connect', [cache.ARN, user.ARN])) {
    return {
      ok: false,
      reason: `${key.principalArn} is not allowed elasticache:Connect on the cache and user`,
    };
  }
  return { ok: true, principalArn: key.principalArn };
}

function parseToken(token: string): { host: string; query: URLSearchParams } | undefined {
  const match = /^([^/?]+)\/\?(.+)$/.exec(token);
  return match ? { host: match[1]!, query: new URLSearchParams(match[2]) } : undefined;
}

/** SigV4 for a presigned GET with only the `host` header and an empty body. */
function signature(
  secretAccessKey: string,
  request: { host: string; query: URLSearchParams; longDate: string; scope: string[] },
): string {
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const canonicalQuery = [...request.query]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => [encode(name), encode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const emptyBodyHash = createHash('sha256').update('').digest('hex');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${request.host}`,
    '',
    'host',
    emptyBodyHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    request.longDate,
    [...request.scope, 'aws4_request'].join('/'),
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [...request.scope, 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(stringToSign).digest('hex');
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
