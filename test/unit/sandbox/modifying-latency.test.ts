import { describe, expect, it } from '@jest/globals';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import {
  DEFAULT_MODIFYING_LATENCY,
  drawLatency,
  meanLatency,
  seededRandom,
} from '../../../local/sandbox/modifying-latency.js';
import { ElastiCacheModel } from '../../../local/sandbox/models/elasticache/index.js';

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * values.length)]!;

describe('the modifying-latency distribution', () => {
  const random = seededRandom(7);
  const draws = Array.from({ length: 20_000 }, () => drawLatency(DEFAULT_MODIFYING_LATENCY.user, random));

  it('has the documented shape: median 30 s, one change in ten beyond ~1.7× it, bounded', () => {
    expect(quantile(draws, 0.5)).toBeGreaterThan(29_000);
    expect(quantile(draws, 0.5)).toBeLessThan(31_000);
    expect(quantile(draws, 0.9) / quantile(draws, 0.5)).toBeGreaterThan(1.55);
    expect(quantile(draws, 0.9) / quantile(draws, 0.5)).toBeLessThan(1.8);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...draws)).toBeLessThanOrEqual(120_000);
    expect(meanLatency(DEFAULT_MODIFYING_LATENCY.user)).toBeGreaterThan(31_000);
    expect(meanLatency(DEFAULT_MODIFYING_LATENCY.user)).toBeLessThan(34_000);
  });

  it('is reproducible: the same seed gives the same latencies', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    const d = DEFAULT_MODIFYING_LATENCY.userGroup;
    expect(Array.from({ length: 5 }, () => drawLatency(d, a))).toEqual(
      Array.from({ length: 5 }, () => drawLatency(d, b)),
    );
  });

  it('drives how long each ModifyUser keeps a user modifying, once enabled', async () => {
    const clock = new SandboxClock();
    const model = new ElastiCacheModel(clock);
    model.useModifyingLatency();
    const settledAfter = new Map<string, number>();
    for (let i = 0; i < 40; i += 1) {
      const userId = `u-${i}`;
      await model.commands.CreateUser!({
        UserId: userId,
        UserName: userId,
        Engine: 'redis',
        AccessString: 'on ~* +@read',
        Passwords: ['a-password-of-16-chars'],
      });
    }
    clock.advance(model.delays.userCreate);
    for (let i = 0; i < 40; i += 1)
      await model.commands.ModifyUser!({ UserId: `u-${i}`, Passwords: ['another-password-16ch'] });
    const start = clock.nowMs();
    for (let step = 0; step <= 120; step += 1) {
      const { Users } = (await model.commands.DescribeUsers!({})) as {
        Users: { UserId: string; Status: string }[];
      };
      for (const user of Users) {
        if (user.UserId.startsWith('u-') && user.Status === 'active' && !settledAfter.has(user.UserId))
          settledAfter.set(user.UserId, clock.nowMs() - start);
      }
      clock.advance(1000);
    }
    expect(settledAfter.size).toBe(40);
    // Not one fixed delay any more: the users settle at many different times.
    const times = [...settledAfter.values()];
    expect(new Set(times).size).toBeGreaterThan(15);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses a distribution that makes no sense', () => {
    const model = new ElastiCacheModel(new SandboxClock());
    expect(() =>
      model.useModifyingLatency({
        ...DEFAULT_MODIFYING_LATENCY,
        user: { medianMs: 5_000, sigma: 0.4, minMs: 10_000, maxMs: 1_000 },
      }),
    ).toThrow(/user: need medianMs > 0/);
  });
});
