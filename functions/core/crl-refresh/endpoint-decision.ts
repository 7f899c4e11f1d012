import { DAY_MS } from './refresh-policy.js';
import { isWindowOpen, nextWindowOpening, type MaintenanceWindow } from './maintenance-window.js';
import type { ObservedCrl } from './observed-crl.js';

/** The CRL every endpoint should hold: the latest one cachegate built and verified. */
export interface ExpectedCrl {
  readonly sha256: string;
  readonly crlNumber: bigint;
  readonly nextUpdate: Date;
  readonly serials: ReadonlySet<string>;
}

export interface RefreshPolicy {
  readonly refreshMarginDays: number;
  readonly hardMarginDays: number;
  readonly maintenanceWindow: MaintenanceWindow | undefined;
}

export type EndpointRefreshDecision =
  | { readonly action: 'keep'; readonly reasons: readonly string[] }
  | { readonly action: 'import'; readonly urgent: boolean; readonly reasons: readonly string[] }
  | { readonly action: 'defer'; readonly reasons: readonly string[]; readonly windowOpensAt: Date };

/**
 * Whether to import the expected CRL on one endpoint. Each import resets every connection of the
 * endpoint, so it happens only when the endpoint's CRL differs from the expected one (drift) or
 * expires within the refresh margin. Urgent reasons (revocations not enforced, a CRL that is not
 * the CA's, expiry within the hard margin or past) import at once; the rest wait for the
 * maintenance window when one is configured.
 */
export function decideEndpointRefresh(
  observed: ObservedCrl | undefined,
  expected: ExpectedCrl,
  policy: RefreshPolicy,
  now: Date,
): EndpointRefreshDecision {
  const urgent: string[] = [];
  const routine: string[] = [];
  if (observed === undefined) {
    (expected.serials.size > 0 ? urgent : routine).push('the endpoint has no CRL');
  } else if (!observed.fromCa) {
    urgent.push("the endpoint's CRL is not issued and signed by the CA: it revokes nothing");
  } else {
    const remaining = observed.nextUpdate ? observed.nextUpdate.getTime() - now.getTime() : -1;
    if (remaining <= 0) urgent.push("the endpoint's CRL has expired: nobody can connect");
    else if (remaining < policy.hardMarginDays * DAY_MS)
      urgent.push(`the endpoint's CRL expires within the hard margin of ${policy.hardMarginDays} days`);
    else if (remaining < policy.refreshMarginDays * DAY_MS)
      routine.push(
        `the endpoint's CRL expires within the refresh margin of ${policy.refreshMarginDays} days`,
      );
    if (observed.sha256 !== expected.sha256) {
      const missing = [...expected.serials].filter((s) => !observed.serials.has(s)).length;
      const newer = observed.crlNumber !== undefined && observed.crlNumber > expected.crlNumber;
      if (missing > 0) urgent.push(`${missing} revoked serial(s) are not enforced on the endpoint`);
      // A newer CRL of the CA means a concurrent build is distributing it: not drift.
      else if (newer && urgent.length === 0 && routine.length === 0)
        return { action: 'keep', reasons: [`the endpoint holds a newer CRL (#${observed.crlNumber})`] };
      else if (!newer) routine.push(`the endpoint's CRL differs from CRL #${expected.crlNumber}`);
    }
  }
  if (urgent.length > 0) return { action: 'import', urgent: true, reasons: [...urgent, ...routine] };
  if (routine.length === 0) return { action: 'keep', reasons: ['the endpoint holds the expected CRL'] };
  const window = policy.maintenanceWindow;
  if (!window || isWindowOpen(window, now)) return { action: 'import', urgent: false, reasons: routine };
  return { action: 'defer', reasons: routine, windowOpensAt: nextWindowOpening(window, now) };
}

/** Whether the stored CRL must be rebuilt before it is distributed (missing or near expiry). */
export function needsNewCrl(
  latest: { nextUpdate: Date } | undefined,
  refreshMarginDays: number,
  now: Date,
): boolean {
  return !latest || latest.nextUpdate.getTime() - now.getTime() < refreshMarginDays * DAY_MS;
}
