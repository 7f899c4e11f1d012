/**
 * IAM-authenticated ElastiCache users: which caches can have them, the policy that lets one IAM
 * principal connect as one user to exactly the caches it was onboarded for, and the request an
 * IAM auth token presigns. Sources and choices: docs/rbac.md, "IAM authentication".
 */
import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';

/** An IAM role or IAM user ARN (the principals `elasticache:Connect` can be granted to here). */
export const iamPrincipalArnSchema = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/,
      'must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name> or :user/<name>)',
    ),
  );

export interface IamPrincipal {
  kind: 'role' | 'user';
  /** The role or user name (what AttachRolePolicy / AttachUserPolicy take), without its path. */
  name: string;
  accountId: string;
}

export function parseIamPrincipal(arn: string): IamPrincipal {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!match) throw new ValidationError('is not an IAM role or user ARN', 'principalArn');
  return { accountId: match[1]!, kind: match[2] as 'role' | 'user', name: match[3]! };
}

/** A cache an IAM user would connect to, as the onboarding validation reads it. */
export interface IamTargetCache {
  cacheId: string;
  /** The ARN `elasticache:Connect` is granted on (replication group or serverless cache). */
  arn: string;
  engine: string;
  engineVersion?: string;
  transitEncryptionEnabled: boolean;
}

/**
 * ElastiCache: "IAM authentication is supported for Redis OSS 7.0 and above, and Valkey 7.2 and
 * above, with in-transit encryption enabled". A Redis OSS cache whose version is not reported
 * cannot be shown to qualify, so it is refused with that reason.
 */
export function iamSupportProblem(cache: IamTargetCache): string | undefined {
  if (!cache.transitEncryptionEnabled) return `cache ${cache.cacheId} has no in-transit encryption (TLS)`;
  if (cache.engine === 'valkey') return undefined;
  if (cache.engine !== 'redis') return `cache ${cache.cacheId} runs ${cache.engine}, not Redis OSS or Valkey`;
  if (cache.engineVersion === undefined) {
    return `cache ${cache.cacheId} does not report its Redis OSS version; IAM authentication needs 7.0 or later`;
  }
  const major = Number(cache.engineVersion.split('.')[0]);
  if (!(major >= 7))
    return `cache ${cache.cacheId} runs Redis OSS ${cache.engineVersion}; IAM authentication needs 7.0 or later`;
  return undefined;
}

/** Every connect grant lives under this IAM path: easy to audit, and the only path cachegate may write. */
export const IAM_POLICY_PATH = '/cachegate/';

/** One managed policy per IAM-authenticated ElastiCache user, named after the user. */
export function iamConnectPolicyName(userId: string): string {
  return `cachegate-elasticache-connect-${userId}`;
}

export function iamConnectPolicyArn(accountId: string, userId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:policy${IAM_POLICY_PATH}${iamConnectPolicyName(userId)}`;
}

/** The ARN of an ElastiCache user: the ElastiCache IAM reference's `user` resource type. */
export function elastiCacheUserArn(cacheArn: string, userId: string): string {
  const [arn, partition, service, region, account] = cacheArn.split(':');
  return [arn, partition, service, region, account, 'user', userId].join(':');
}

/**
 * `elasticache:Connect` on exactly these caches and this user, as the ElastiCache IAM
 * authentication guide's example policy grants it: one statement naming both resource types.
 */
export function iamConnectPolicyDocument(cacheArns: readonly string[], userArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['elasticache:Connect'],
        Resource: [...[...cacheArns].sort(), userArn],
      },
    ],
  });
}

/** IAM auth tokens are valid for 15 minutes (ElastiCache IAM authentication guide). */
export const IAM_AUTH_TOKEN_SECONDS = 900;

/**
 * The request an IAM auth token presigns: `GET http://<cache name>/?Action=connect&User=<user ID>`
 * (plus `ResourceType=ServerlessCache` for a serverless cache), signed for service `elasticache`.
 * The token is the presigned URL without its `http://` scheme.
 */
export function iamAuthTokenRequest(
  cacheName: string,
  userId: string,
  serverless = false,
): { hostname: string; path: string; query: Record<string, string> } {
  return {
    hostname: cacheName.toLowerCase(),
    path: '/',
    query: {
      Action: 'connect',
      User: userId,
      ...(serverless ? { ResourceType: 'ServerlessCache' } : {}),
    },
  };
}
