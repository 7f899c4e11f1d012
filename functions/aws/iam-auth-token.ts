import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ValidationError } from '../core/errors.js';
import { IAM_AUTH_TOKEN_SECONDS, iamAuthTokenRequest } from '../core/rbac/iam-auth.js';
import { serviceNow } from './service-clock.js';
import { clientSigningIdentity, defaultSigningIdentity, NodeSha256, type SigningIdentity } from './sigv4.js';

export interface IamAuthTokenSpec {
  /** Replication group ID or serverless cache name (lower case on AWS). */
  cacheName: string;
  userId: string;
  region: string;
  credentials: AwsCredentialIdentity;
  serverless?: boolean;
  /** The signing time (default now); the token is valid for 15 minutes from it. */
  signingDate?: Date;
}

/**
 * An ElastiCache IAM auth token, as the ElastiCache IAM authentication guide builds it: a SigV4
 * presigned `GET http://<cache>/?Action=connect&User=<user>` for service `elasticache`, valid
 * 900 seconds, without its `http://` scheme. It is sent as the password of `AUTH <user> <token>`.
 */
export async function iamAuthToken(spec: IamAuthTokenSpec): Promise<string> {
  const { hostname, path, query } = iamAuthTokenRequest(spec.cacheName, spec.userId, spec.serverless);
  const signer = new SignatureV4({
    service: 'elasticache',
    region: spec.region,
    credentials: spec.credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname, path, query, headers: { host: hostname } },
    { expiresIn: IAM_AUTH_TOKEN_SECONDS, ...(spec.signingDate ? { signingDate: spec.signingDate } : {}) },
  );
  const queryString = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(String(value))}`)
    .join('&');
  return `${hostname}${path}?${queryString}`;
}

/**
 * A token signed with this function's own credentials and region (those its ElastiCache client
 * uses; in the sandbox, the sandbox's), at the services' time (in the sandbox, its simulated
 * clock): what the connectivity probe authenticates with when it verifies an IAM user.
 */
export async function iamAuthTokenForThisFunction(spec: {
  cacheName: string;
  userId: string;
  serverless: boolean;
}): Promise<string> {
  return signedToken(spec, await clientSigningIdentity(), serviceNow());
}

/**
 * `cachegate connect-token`: a token signed with the operator's credentials (the default
 * provider chain) for `region` or the default region.
 */
export async function iamAuthTokenFromEnvironment(spec: {
  cacheName: string;
  userId: string;
  serverless?: boolean;
  region?: string;
}): Promise<string> {
  return signedToken(spec, await defaultSigningIdentity(spec.region));
}

async function signedToken(
  spec: { cacheName: string; userId: string; serverless?: boolean },
  identity: SigningIdentity,
  signingDate?: Date,
): Promise<string> {
  if (!identity.region)
    throw new ValidationError('no AWS region: pass --region or set AWS_REGION', '--region');
  return iamAuthToken({
    cacheName: spec.cacheName,
    userId: spec.userId,
    ...(spec.serverless ? { serverless: true } : {}),
    region: identity.region,
    credentials: await identity.credentials(),
    ...(signingDate ? { signingDate } : {}),
  });
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
