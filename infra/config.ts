import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { clientVpnCrlSchema } from '../functions/core/crl-refresh/distribution-config.js';
import { CACHE_SERVICES } from '../functions/core/rbac/cache-service.js';
import { vpnAccessSchema } from '../functions/core/vpn/access-config.js';

/**
 * Deployment configuration, read once by the app and passed down as typed props: constructs
 * never look at process.env. `infra/config/example.json` enables every capability, so a plain
 * `npx cdk synth` always shows the whole system.
 */
export const cachegateConfigSchema = z.object({
  stackName: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/),
  env: z.object({
    account: z.string().regex(/^\d{12}$/),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  }),
  logRetentionDays: z.number().int().positive().default(365),
  approvals: z.object({
    approvers: z.array(z.string().min(1)).min(1, 'at least one approver is needed'),
    timeoutSeconds: z.number().int().min(60).max(604_800).default(86_400),
  }),
  /** Onboarding API: IAM (SigV4) or Cognito auth, and stage throttling. */
  api: z
    .object({
      auth: z
        .discriminatedUnion('type', [
          z.object({ type: z.literal('iam') }),
          z.object({ type: z.literal('cognito'), userPoolArn: z.string().startsWith('arn:') }),
        ])
        .default({ type: 'iam' }),
      throttle: z
        .object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() })
        .default({ rateLimit: 10, burstLimit: 20 }),
    })
    .optional(),
  /** Slack channel the approval messages go to (the app's secrets are in Secrets Manager). */
  slack: z
    .object({ channelId: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID') })
    .optional(),
  vpnAccess: vpnAccessSchema.optional(),
  /** Client VPN CRL workflows (revoke-certificate, refresh-crl): endpoints and CRL schedule. */
  clientVpn: clientVpnCrlSchema.optional(),
  /**
   * RBAC workflows: the services onboard-user / offboard-user may manage. ElastiCache is always
   * on (harden-default-user and migrate-to-rbac are ElastiCache workflows); `memorydb` adds the
   * MemoryDB grants.
   */
  rbac: z
    .object({
      services: z
        .array(z.enum(CACHE_SERVICES))
        .refine((services) => services.includes('elasticache'), 'must include elasticache')
        .default(['elasticache']),
    })
    .default({ services: ['elasticache'] }),
});

export type CachegateConfig = z.infer<typeof cachegateConfigSchema>;

export function loadConfig(path: string): CachegateConfig {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const result = cachegateConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  return result.data;
}
