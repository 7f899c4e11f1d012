import * as z from 'zod/mini';

/**
 * Scheduled workflow starts (rotate-all, refresh-crl): the EventBridge Scheduler expression and
 * time zone from the deployment config, and the execution name that makes each start idempotent
 * per period (docs/triggers.md, "Schedules").
 */

const RATE = /^rate\((?<value>[1-9]\d{0,5}) (?<unit>minutes?|hours?|days?)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;
const MINUTES_PER_UNIT: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

export function isScheduleExpression(expression: string): boolean {
  return RATE.test(expression) || CRON.test(expression) || AT.test(expression);
}

/** An IANA time zone name Node knows (`UTC`, `Europe/Berlin`...). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const workflowScheduleSchema = z.object({
  expression: z
    .string()
    .check(
      z.refine(
        isScheduleExpression,
        'must be an EventBridge Scheduler expression: rate(N minutes|hours|days), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)',
      ),
    ),
  timeZone: z._default(
    z.string().check(z.refine(isTimeZone, 'must be an IANA time zone, e.g. UTC or Europe/Berlin')),
    'UTC',
  ),
});

export type WorkflowScheduleConfig = z.infer<typeof workflowScheduleSchema>;

/**
 * How long one scheduled period lasts, in minutes: a rate schedule's interval; one minute for a
 * cron or one-time schedule (Scheduler's finest granularity: a repeated delivery of the same
 * invocation carries the same scheduled time).
 */
export function schedulePeriodMinutes(expression: string): number {
  const rate = RATE.exec(expression)?.groups;
  if (rate) return Number(rate.value) * (MINUTES_PER_UNIT[rate.unit!.replace(/s$/, '')] as number);
  if (CRON.test(expression) || AT.test(expression)) return 1;
  throw new Error(`not an EventBridge Scheduler expression: ${expression}`);
}

/**
 * The execution name of a scheduled start: the scheduled time truncated to the start of its
 * period (periods counted from the Unix epoch, in UTC), e.g. `scheduled-20261125T0000Z`.
 * Every delivery within one period names the same execution, so Step Functions' name uniqueness
 * lets at most one run per period start. No `:` (Step Functions names do not allow it).
 */
export function scheduledExecutionName(scheduledTime: Date, periodMinutes: number): string {
  if (!Number.isInteger(periodMinutes) || periodMinutes < 1)
    throw new Error('periodMinutes must be a positive integer');
  const periodMs = periodMinutes * 60_000;
  const start = new Date(Math.floor(scheduledTime.getTime() / periodMs) * periodMs);
  const iso = start.toISOString(); // 2026-11-25T00:00:00.000Z
  return `scheduled-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}
