import { ValidationError } from '../errors.js';

export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When non-urgent CRL imports may run (each import drops every connection of the endpoint):
 * a start time in UTC on the given weekdays (every day when omitted), for `durationMinutes`.
 * A window may run past midnight.
 */
export interface MaintenanceWindow {
  readonly weekdays?: readonly Weekday[];
  /** `HH:MM`, UTC. */
  readonly startUtc: string;
  readonly durationMinutes: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

function startMinutes(window: MaintenanceWindow): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(window.startUtc);
  if (!match) throw new ValidationError('must be HH:MM (UTC)', 'maintenanceWindow.startUtc');
  return Number(match[1]) * 60 + Number(match[2]);
}

export function validateMaintenanceWindow(window: MaintenanceWindow): MaintenanceWindow {
  startMinutes(window);
  if (
    !Number.isInteger(window.durationMinutes) ||
    window.durationMinutes < 1 ||
    window.durationMinutes > 7 * 1440
  ) {
    throw new ValidationError(
      'must be a whole number of minutes up to a week',
      'maintenanceWindow.durationMinutes',
    );
  }
  if (window.weekdays !== undefined && window.weekdays.length === 0) {
    throw new ValidationError(
      'must name at least one day, or be omitted for every day',
      'maintenanceWindow.weekdays',
    );
  }
  return window;
}

/** Start times (ms) of the window's occurrences on the UTC days from `fromDay` for `days` days. */
function occurrences(window: MaintenanceWindow, fromDayMs: number, days: number): number[] {
  const start = startMinutes(window) * MINUTE;
  const result: number[] = [];
  for (let d = 0; d < days; d++) {
    const day = fromDayMs + d * DAY;
    const weekday = WEEKDAYS[new Date(day).getUTCDay()] as Weekday;
    if (!window.weekdays || window.weekdays.includes(weekday)) result.push(day + start);
  }
  return result;
}

const utcDayStart = (ms: number) => Math.floor(ms / DAY) * DAY;

export function isWindowOpen(window: MaintenanceWindow, now: Date): boolean {
  const t = now.getTime();
  const lookBack = Math.ceil(window.durationMinutes / 1440) + 1;
  return occurrences(window, utcDayStart(t) - lookBack * DAY, lookBack + 1).some(
    (start) => start <= t && t < start + window.durationMinutes * MINUTE,
  );
}

/** The next time the window opens at or after `now` (now itself when it is open). */
export function nextWindowOpening(window: MaintenanceWindow, now: Date): Date {
  if (isWindowOpen(window, now)) return now;
  const t = now.getTime();
  const next = occurrences(window, utcDayStart(t), 8).find((start) => start > t);
  return new Date(next as number);
}
