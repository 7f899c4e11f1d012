/**
 * "Now" for handlers whose decisions depend on time shared with AWS (CRL expiry, maintenance
 * windows). In AWS it is the system clock; the local sandbox installs its simulated clock here, so
 * a handler and the service models it talks to agree on the time (statuses, expiry, Wait states).
 */
const CLOCK_KEY = Symbol.for('cachegate.serviceClock');
const globalClock = globalThis as unknown as { [CLOCK_KEY]?: () => Date };

export function setServiceClock(now: (() => Date) | undefined): void {
  globalClock[CLOCK_KEY] = now;
}

export function serviceNow(): Date {
  return globalClock[CLOCK_KEY]?.() ?? new Date();
}
