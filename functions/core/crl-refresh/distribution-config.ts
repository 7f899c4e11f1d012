import * as z from 'zod/mini';
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
    endpointIds: z._default(
      z.array(z.string().check(z.regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID'))),
      [],
    ),
    /**
     * Endpoints anywhere: `region` (default the stack's) and, for another account, `roleArn`: a
     * role there that trusts cachegate's CRL functions (docs/client-vpn.md shows its policies).
     */
    endpoints: z._default(
      z.array(
        z.strictObject({
          endpointId: z
            .string()
            .check(z.regex(/^cvpn-endpoint-[0-9a-z]+$/, 'must be a Client VPN endpoint ID')),
          region: z.optional(endpointLocationSchema.shape.region),
          roleArn: endpointLocationSchema.shape.roleArn,
        }),
      ),
      [],
    ),
    crlDays: z._default(z.int().check(z.gte(1), z.lte(3650)), DEFAULT_CRL_DAYS),
    refreshMarginDays: z._default(z.int().check(z.gte(1), z.lte(3650)), 30),
    hardMarginDays: z._default(z.int().check(z.gte(0), z.lte(3650)), 7),
    maintenanceWindow: z.optional(
      z.object({
        weekdays: z.optional(z.array(z.enum(WEEKDAYS)).check(z.minLength(1))),
        startUtc: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)')),
        durationMinutes: z.int().check(z.gte(1), z.lte(10_080)),
      }),
    ),
    /** Moved: the refresh-crl schedule is `schedules.refreshCrl` (infra/config.ts). */
    refreshSchedule: z.optional(z.never({ error: 'moved to schedules.refreshCrl.expression' })),
    /** The DaysUntilCrlExpiry alarm fires below this. */
    alarmBelowDays: z._default(z.number().check(z.gte(0)), 7),
  })
  .check(
    z.refine(
      (c) => {
        const ids = [...c.endpointIds, ...c.endpoints.map((e) => e.endpointId)];
        return new Set(ids).size === ids.length;
      },
      { message: 'an endpoint is listed twice (endpointIds and endpoints together)', path: ['endpoints'] },
    ),
    z.refine((c) => c.hardMarginDays <= c.refreshMarginDays, {
      message: 'hardMarginDays cannot exceed refreshMarginDays',
      path: ['hardMarginDays'],
    }),
    z.refine((c) => c.refreshMarginDays < c.crlDays, {
      message: 'a new CRL must outlive the refresh margin: crlDays must be greater than refreshMarginDays',
      path: ['crlDays'],
    }),
  );

export type ClientVpnCrlConfig = z.infer<typeof clientVpnCrlSchema>;
