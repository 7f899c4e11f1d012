import * as z from 'zod';
import { DEFAULT_CRL_DAYS } from '../pki/crl-plan.js';
import { endpointLocationSchema } from './endpoint-locations.js';
import { WEEKDAYS } from './maintenance-window.js';

/**
 * `clientVpn` in the deployment config: the endpoints whose CRL cachegate keeps current, and the
 * CRL schedule (docs/client-vpn.md). Read by infra/config.ts; the construct passes it to the
 * Lambdas as environment variables (refresh-policy.ts reads them back).
 */
export const clientVpnCrlSchema = z
  .object({
    /** Endpoints in the stack's own region and account. */
    endpointIds: z
      .array(z.string().regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID'))
      .default([]),
    /**
     * Endpoints anywhere: `region` (default the stack's) and, for another account, `roleArn`: a
     * role there that trusts cachegate's CRL functions (docs/client-vpn.md shows its policies).
     */
    endpoints: z
      .array(
        z
          .object({
            endpointId: z.string().regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID'),
            region: endpointLocationSchema.shape.region.optional(),
            roleArn: endpointLocationSchema.shape.roleArn,
          })
          .strict(),
      )
      .default([]),
    crlDays: z.number().int().min(1).max(3650).default(DEFAULT_CRL_DAYS),
    refreshMarginDays: z.number().int().min(1).max(3650).default(30),
    hardMarginDays: z.number().int().min(0).max(3650).default(7),
    maintenanceWindow: z
      .object({
        weekdays: z.array(z.enum(WEEKDAYS)).min(1).optional(),
        startUtc: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)'),
        durationMinutes: z.number().int().min(1).max(10_080),
      })
      .optional(),
    /** Moved: the refresh-crl schedule is `schedules.refreshCrl` (infra/config.ts). */
    refreshSchedule: z.never({ error: 'moved to schedules.refreshCrl.expression' }).optional(),
    /** The DaysUntilCrlExpiry alarm fires below this. */
    alarmBelowDays: z.number().min(0).default(7),
  })
  .refine(
    (c) => {
      const ids = [...c.endpointIds, ...c.endpoints.map((e) => e.endpointId)];
      return new Set(ids).size === ids.length;
    },
    { message: 'an endpoint is listed twice (endpointIds and endpoints together)', path: ['endpoints'] },
  )
  .refine((c) => c.hardMarginDays <= c.refreshMarginDays, {
    message: 'hardMarginDays cannot exceed refreshMarginDays',
    path: ['hardMarginDays'],
  })
  .refine((c) => c.refreshMarginDays < c.crlDays, {
    message: 'a new CRL must outlive the refresh margin: crlDays must be greater than refreshMarginDays',
    path: ['crlDays'],
  });

export type ClientVpnCrlConfig = z.infer<typeof clientVpnCrlSchema>;
