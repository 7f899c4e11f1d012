import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { clientVpnCrlSchema } from '../functions/core/crl-refresh/distribution-config.js';
import { CACHE_SERVICES } from '../functions/core/rbac/cache-service.js';
import { rbacIdentifier } from '../functions/core/rbac/identifier.js';
import { ipv4Cidr, vpnAccessSchema } from '../functions/core/vpn/access-config.js';
import { isScheduleExpression, workflowScheduleSchema } from '../functions/core/workflow-schedule.js';
import { APPROVAL_TIMEOUT_BOUNDS, DEFAULT_APPROVAL_TIMEOUT_SECONDS } from '../workflows/approval-timeout.js';

/**
 * The rotation probe (docs/rotation.md): VerifyPendingPassword tries `AUTH` with the new password on
 * the cache before promoting it, from inside the cache's VPC. `network` defaults to `vpnAccess`'s.
 */
const rotationProbeSchema = z.object({
  /** The cache's primary endpoint, TLS; its port is the one opened on the cache security group. */
  endpoint: z
    .string()
    .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:\d{1,5}$/, 'must be host:port')
    .refine((endpoint) => Number(endpoint.split(':')[1]) <= 65535, 'port must be 1-65535'),
  /**
   * The replication group ID or serverless cache name the endpoint belongs to: with it, new IAM
   * users are verified through the probe too (an IAM auth token is signed for one cache).
   */
  cache: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a lower-case replication group ID or serverless cache name')
    .optional(),
  // vpnAccessSchema is a zod/mini schema: function forms only (the full API has no pick function, so the
  // picked fields are listed, as `.pick` would keep them).
  network: z.optional(
    z.object({
      vpc: vpnAccessSchema.shape.vpc,
      cacheSubnets: vpnAccessSchema.shape.cacheSubnets,
      cacheSecurityGroupId: vpnAccessSchema.shape.cacheSecurityGroupId,
    }),
  ),
  /** Subnets of the verify function (private, in the same VPC). Default: the cache subnets. */
  subnetIds: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/))
    .min(1)
    .optional(),
  /** How the verify function reaches Secrets Manager (to read AWSPENDING) from inside the VPC. */
  secretsManager: z.discriminatedUnion('via', [
    z.object({ via: z.literal('vpc-endpoint'), securityGroupId: z.string().regex(/^sg-[0-9a-f]{8,17}$/) }),
    z.object({ via: z.literal('nat') }),
  ]),
});

/** An EventBridge rule's schedule (UTC): rules take `rate()` and `cron()`, not Scheduler's `at()`. */
const ruleExpressionSchema = z
  .string()
  .refine(
    (e) => !e.startsWith('at(') && isScheduleExpression(e),
    'must be an EventBridge rule expression: rate(N minutes|hours|days) or cron(6 fields)',
  );

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
    /**
     * How long approvers have to decide before the request expires (a rejection): applied to
     * access-request.asl.json's wait state at synth time (docs/triggers.md). Default 24 h.
     */
    timeoutSeconds: z
      .number()
      .int()
      .min(APPROVAL_TIMEOUT_BOUNDS.min)
      .max(
        APPROVAL_TIMEOUT_BOUNDS.max,
        'at most 604800 (7 days): the access-request execution may run 14 days',
      )
      .default(DEFAULT_APPROVAL_TIMEOUT_SECONDS),
    /**
     * Roles whose session name names a person (IAM Identity Center permission sets, or a trust
     * policy that makes the session name the `sts:SourceIdentity`): their sessions are separate
     * identities. Any other assumed role counts as the role itself (docs/triggers.md).
     */
    personalSessionRoles: z
      .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN'))
      .default([]),
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
  vpnAccess: z.optional(vpnAccessSchema),
  /**
   * Renewal of `vpnAccess.serverCertificateArn` in place (renew-server-certificate, with
   * `vpnAccess`): renew this many days before expiry, for this long, with this common name.
   */
  serverCertificateRenewal: z
    .object({
      renewBeforeDays: z.number().int().min(1).max(365).default(30),
      validityDays: z.number().int().min(2).max(3650).default(395),
      commonName: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
        .default('server'),
    })
    .refine((s) => s.validityDays > s.renewBeforeDays, 'validityDays must exceed renewBeforeDays')
    .prefault({}),
  /** Client VPN CRL workflows (revoke-certificate, refresh-crl): endpoints and CRL schedule. */
  clientVpn: z.optional(clientVpnCrlSchema),
  /**
   * When the scheduled workflows run (EventBridge Scheduler expression and IANA time zone); each
   * start is idempotent per period (docs/triggers.md). refresh-crl runs only with `clientVpn`.
   */
  schedules: z
    .object({
      rotateAll: z._default(workflowScheduleSchema, { expression: 'rate(30 days)', timeZone: 'UTC' }),
      refreshCrl: z._default(workflowScheduleSchema, { expression: 'rate(1 day)', timeZone: 'UTC' }),
      renewServerCertificate: z._default(workflowScheduleSchema, {
        expression: 'rate(1 day)',
        timeZone: 'UTC',
      }),
      /** rotate-auth-token, for each of `rotation.authTokens.replicationGroupIds`. */
      rotateAuthTokens: z._default(workflowScheduleSchema, { expression: 'rate(30 days)', timeZone: 'UTC' }),
    })
    .prefault({}),
  /**
   * RBAC workflows: the services onboard-user, offboard-user, migrate-to-rbac and rotation may
   * manage. ElastiCache is always on (harden-default-user is ElastiCache-only); `memorydb` adds the
   * MemoryDB grants (users, ACLs, clusters, MemoryDB user secrets) to those workflows.
   */
  rbac: z
    .object({
      services: z
        .array(z.enum(CACHE_SERVICES))
        .refine((services) => services.includes('elasticache'), 'must include elasticache')
        .default(['elasticache']),
    })
    .default({ services: ['elasticache'] }),
  /**
   * The scheduled posture audit (the `audit-posture` workflow): when it runs (an EventBridge rule
   * expression, UTC, which its Scheduler schedule takes as it is; default twice a day, so each
   * day-long period of its alarm holds a report) and the cache subnets Client VPN authorization
   * rules should stay within (default: `vpnAccess.cacheSubnets`).
   */
  posture: z
    .object({
      expression: ruleExpressionSchema.default('rate(12 hours)'),
      cacheSubnetCidrs: z.array(ipv4Cidr).optional(),
    })
    .prefault({}),
  /**
   * Client certificate expiry notices (`notify-certificate-expiry`): when the check runs (rule
   * expression, UTC) and how many days before expiry a holder is told (once per threshold), in
   * the `slack` channel when there is one, always as an audit event.
   */
  clientCertificateNotices: z
    .object({
      expression: ruleExpressionSchema.default('rate(1 day)'),
      days: z
        .array(z.number().int().min(1).max(365))
        .min(1)
        .refine((days) => new Set(days).size === days.length, 'a threshold appears twice')
        .default([30, 7, 1]),
    })
    .prefault({}),
  /**
   * Password rotation; with `probe`, the new password is tried on the cache before promotion (and
   * finish-migration counts `default` connections through it). `authTokens`: replication groups
   * that stay on AUTH, whose token rotate-auth-token rotates on `schedules.rotateAuthTokens`.
   */
  rotation: z
    .object({
      probe: rotationProbeSchema.optional(),
      authTokens: z
        .object({
          replicationGroupIds: z
            .array(rbacIdentifier)
            .min(1)
            .max(50)
            .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a replication group'),
        })
        .optional(),
    })
    .optional(),
});

export type CachegateConfig = z.infer<typeof cachegateConfigSchema>;

export function loadConfig(path: string): CachegateConfig {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const result = cachegateConfigSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || 'config'}: ${issue?.message}`);
  }
  if (result.data.rotation?.probe && !result.data.rotation.probe.network && !result.data.vpnAccess) {
    throw new Error(`${path}: rotation.probe.network: is required when there is no vpnAccess section`);
  }
  return result.data;
}
