import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import { createAwsClient } from './clients.js';

/** SHA-256 / HMAC-SHA-256 for @smithy/signature-v4's signer, from node:crypto. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export interface SigningIdentity {
  /** Undefined when no region is configured anywhere the SDK looks. */
  region: string | undefined;
  credentials: AwsCredentialIdentityProvider;
}

/**
 * The region (`region`, else the SDK's default chain: AWS_REGION, the profile…) and the
 * credentials of the default provider chain, as a plain SDK client would use them: what a
 * request the operator signs outside an SDK client (an IAM auth token, a call to the deployed
 * API) is signed with. Deliberately not created through the sandbox hook (clients.ts): `--aws`
 * means the operator's own identity.
 */
export async function defaultSigningIdentity(region?: string): Promise<SigningIdentity> {
  return signingIdentityOf(new ElastiCacheClient(region === undefined ? {} : { region }));
}

/**
 * The region and credentials an adapter's client signs with (in the sandbox, its defaults):
 * what a Lambda signs a token with for itself.
 */
export async function clientSigningIdentity(): Promise<SigningIdentity> {
  return signingIdentityOf(createAwsClient(ElastiCacheClient, {}));
}

async function signingIdentityOf(client: ElastiCacheClient): Promise<SigningIdentity> {
  try {
    const resolved = (await client.config.region().catch(() => undefined)) as string | undefined;
    return { region: resolved || undefined, credentials: client.config.credentials };
  } finally {
    client.destroy();
  }
}

/**
 * The headers of `method url` with `body`, signed with SigV4 for `service` (e.g. `execute-api`
 * for a call to an IAM-authorised API Gateway route).
 */
export async function signedHeaders(request: {
  service: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  method: string;
  url: URL;
  body: string;
}): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: request.service,
    region: request.region,
    credentials: request.credentials,
    sha256: NodeSha256,
  });
  const { url } = request;
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host },
    body: request.body,
  });
  return signed.headers;
}
