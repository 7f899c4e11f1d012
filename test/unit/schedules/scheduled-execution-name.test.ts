import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  isScheduleExpression,
  schedulePeriodMinutes,
  scheduledExecutionName,
} from '../../../functions/core/workflow-schedule.js';

const DAY = 24 * 60;
const at = (iso: string) => new Date(iso);

describe('scheduledExecutionName', () => {
  it('names the start of the period, in Step Functions’ allowed characters', () => {
    expect(scheduledExecutionName(at('2026-11-25T00:00:00Z'), DAY)).toBe('scheduled-20261125T0000Z');
    expect(scheduledExecutionName(at('2026-11-25T17:42:09.123Z'), DAY)).toBe('scheduled-20261125T0000Z');
    expect(scheduledExecutionName(at('2026-11-25T17:42:09Z'), 60)).toBe('scheduled-20261125T1700Z');
    expect(scheduledExecutionName(at('2026-11-25T17:42:59Z'), 1)).toBe('scheduled-20261125T1742Z');
    expect(scheduledExecutionName(at('2026-11-25T17:42:00Z'), 1)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });

  it('gives every time in the same period the same name', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 * DAY }),
        fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (periodMinutes, time, fraction) => {
          const periodMs = periodMinutes * 60_000;
          const start = Math.floor(time.getTime() / periodMs) * periodMs;
          const other = new Date(start + Math.floor(fraction * periodMs));
          expect(scheduledExecutionName(other, periodMinutes)).toBe(
            scheduledExecutionName(time, periodMinutes),
          );
        },
      ),
    );
  });

  it('gives the next period a different name', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 * DAY }),
        fc.date({ min: at('2000-01-01T00:00:00Z'), max: at('2090-01-01T00:00:00Z'), noInvalidDate: true }),
        (periodMinutes, time) => {
          const next = new Date(time.getTime() + periodMinutes * 60_000);
          expect(scheduledExecutionName(next, periodMinutes)).not.toBe(
            scheduledExecutionName(time, periodMinutes),
          );
        },
      ),
    );
    // Consecutive rotate-all runs (30 days apart) fall in different 30-day periods.
    expect(scheduledExecutionName(at('2026-12-25T00:00:00Z'), 30 * DAY)).not.toBe(
      scheduledExecutionName(at('2026-11-25T00:00:00Z'), 30 * DAY),
    );
  });

  it('refuses a period that is not a whole number of minutes', () => {
    expect(() => scheduledExecutionName(at('2026-11-25T00:00:00Z'), 0)).toThrow(/periodMinutes/);
    expect(() => scheduledExecutionName(at('2026-11-25T00:00:00Z'), 1.5)).toThrow(/periodMinutes/);
  });
});

describe('schedule expressions', () => {
  it('takes a rate schedule’s interval as its period, and one minute for cron and at', () => {
    expect(schedulePeriodMinutes('rate(30 days)')).toBe(30 * DAY);
    expect(schedulePeriodMinutes('rate(1 day)')).toBe(DAY);
    expect(schedulePeriodMinutes('rate(12 hours)')).toBe(720);
    expect(schedulePeriodMinutes('rate(5 minutes)')).toBe(5);
    expect(schedulePeriodMinutes('cron(0 3 * * ? *)')).toBe(1);
    expect(schedulePeriodMinutes('at(2026-11-25T03:00:00)')).toBe(1);
  });

  it('accepts only EventBridge Scheduler expressions', () => {
    for (const ok of ['rate(1 day)', 'rate(30 days)', 'cron(0 3 ? * SUN *)', 'at(2026-11-25T03:00:00)'])
      expect(isScheduleExpression(ok)).toBe(true);
    for (const bad of ['rate(0 days)', 'rate(1 week)', 'cron(0 3 * * ?)', 'daily', 'rate(1 day) ', ''])
      expect(isScheduleExpression(bad)).toBe(false);
    expect(() => schedulePeriodMinutes('daily')).toThrow(/not an EventBridge Scheduler expression/);
  });
});
