import * as z from 'zod/mini';
import { DEFAULT_CRL_DAYS } from '../pki/crl-plan.js';
import { parseInput } from '../parse-input.js';
import { jsonVariable } from './json-variable.js';
import { WEEKDAYS, validateMaintenanceWindow, type MaintenanceWindow } from './maintenance-window.js';

export const DAY_MS = 86_400_000;

/**
 * How cachegate keeps the CRL on every Client VPN endpoint current (docs/client-vpn.md).
 * - `crlDays`: validity of each CRL it builds (nextUpdate = now + crlDays).
 * - `refreshMarginDays`: a CRL that expires within this margin is rebuilt and re-imported, inside
 *   the maintenance window when there is one. Also the minimum remaining validity a CRL must have
 *   before it ships (safety rule 4).
 * - `hardMarginDays`: closer than this to expiry, the import happens at once, window or not (an
 *   expired CRL locks everyone out).
 */
export interface CrlDistributionSettings {
  readonly endpointIds: readonly string[];
  readonly crlDays: number;
  readonly refreshMarginDays: number;
  readonly hardMarginDays: number;
  readonly maintenanceWindow: MaintenanceWindow | undefined;
}

const ENDPOINT_ID = /^cvpn-endpoint-[0-9a-z]+$/;

const windowSchema = z.object({
  weekdays: z.optional(z.array(z.enum(WEEKDAYS))),
  startUtc: z.string(),
  durationMinutes: z.int(),
});

const settingsSchema = z
  .object({
    CLIENT_VPN_ENDPOINT_IDS: z.pipe(
      z.pipe(
        z._default(z.string(), ''),
        z.transform((s: string) =>
          s
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
        ),
      ),
      z.array(z.string().check(z.regex(ENDPOINT_ID, 'must be Client VPN endpoint IDs (cvpn-endpoint-...)'))),
    ),
    // `z.int()` as a check, as the full API's `.int()` applies it.
    CRL_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(3650)), DEFAULT_CRL_DAYS),
    CRL_REFRESH_MARGIN_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(3650)), 30),
    CRL_HARD_MARGIN_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(3650)), 7),
    CRL_MAINTENANCE_WINDOW: jsonVariable<z.infer<typeof windowSchema> | undefined>(
      undefined,
      'must be JSON {"weekdays"?: ["SUN",...], "startUtc": "HH:MM", "durationMinutes": n}',
      (json) => windowSchema.parse(json),
    ),
  })
  .check(
    z.refine((s) => s.CRL_HARD_MARGIN_DAYS <= s.CRL_REFRESH_MARGIN_DAYS, {
      message: 'the hard margin cannot exceed the refresh margin',
      path: ['CRL_HARD_MARGIN_DAYS'],
    }),
  );

/** Reads the settings from a Lambda's environment (set by the CDK construct from config). */
export function parseDistributionSettings(env: Record<string, string | undefined>): CrlDistributionSettings {
  const s = parseInput(settingsSchema, env);
  return {
    endpointIds: s.CLIENT_VPN_ENDPOINT_IDS,
    crlDays: s.CRL_DAYS,
    refreshMarginDays: s.CRL_REFRESH_MARGIN_DAYS,
    hardMarginDays: s.CRL_HARD_MARGIN_DAYS,
    maintenanceWindow: s.CRL_MAINTENANCE_WINDOW && validateMaintenanceWindow(s.CRL_MAINTENANCE_WINDOW),
  };
}
