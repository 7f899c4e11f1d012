import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { createAwsClient } from './clients.js';
import { serviceNow } from './service-clock.js';

/** The credentials an SDK client takes: a provider it calls (again) when they near expiry. */
export type CredentialProvider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

let sts: STSClient | undefined;
const providers = new Map<string, CredentialProvider>();

/** Refreshed this long before they expire, so no call goes out with credentials about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Credentials of `roleArn` from sts:AssumeRole (session `cachegate-<purpose>`, 15 minutes), kept
 * per role and renewed shortly before they expire. The role's trust policy decides whether this
 * Lambda may assume it (docs/client-vpn.md shows the policy the other account creates).
 */
export function assumedRoleCredentials(roleArn: string, purpose: string): CredentialProvider {
  const existing = providers.get(roleArn);
  if (existing) return existing;
  let cached: Awaited<ReturnType<CredentialProvider>> | undefined;
  const provider: CredentialProvider = async () => {
    const now = serviceNow().getTime();
    if (cached?.expiration && cached.expiration.getTime() - REFRESH_MARGIN_MS > now) return cached;
    const out = await (sts ??= createAwsClient(STSClient, {})).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `cachegate-${purpose}`,
        DurationSeconds: 900,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new Error(`sts:AssumeRole on ${roleArn} returned no credentials`);
    cached = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
      ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
    };
    return cached;
  };
  providers.set(roleArn, provider);
  return provider;
}
