import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CLIENT_CIDR } from '../functions/core/vpn/client-cidr.js';

const ipv4Cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block');
const acmCertificateArn = z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/);

/** Client VPN access to an existing cache (infra/constructs/cache-vpn-access.ts, docs/vpn-access.md). */
const vpnAccessSchema = z.object({
  vpc: z.object({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/),
    cidrBlocks: z.array(ipv4Cidr).min(1),
  }),
  cacheSubnets: z
    .array(
      z.object({
        subnetId: z.string().regex(/^subnet-[0-9a-f]{8,17}$/),
        availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/),
        cidr: ipv4Cidr,
      }),
    )
    .min(1),
  cacheSecurityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/),
  cachePort: z.number().int().min(1).max(65535).default(6379),
  clientCidr: ipv4Cidr.default(DEFAULT_CLIENT_CIDR),
  serverCertificateArn: acmCertificateArn,
  clientRootCertificateChainArn: acmCertificateArn.optional(),
});

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
  vpnAccess: vpnAccessSchema.optional(),
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
