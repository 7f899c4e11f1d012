import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';
import { IAM_AUTH_TOKEN_SECONDS, iamAuthTokenRequest } from '../core/rbac/iam-auth.js';
import { createAwsClient } from './clients.js';
import { serviceNow } from './service-clock.js';

/** SHA-256 / HMAC-SHA-256 for the SigV4 signer, from node:crypto. */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key);
  }
}

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
 * uses): what the connectivity probe authenticates with when it verifies an IAM user.
 */
export async function iamAuthTokenForThisFunction(spec: {
  cacheName: string;
  userId: string;
  serverless: boolean;
}): Promise<string> {
  const client = createAwsClient(ElastiCacheClient, {});
  const region = await client.config.region();
  const credentials = await client.config.credentials();
  // Signed at the services' time: in the sandbox that is its simulated clock.
  return iamAuthToken({ ...spec, region, credentials, signingDate: serviceNow() });
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
