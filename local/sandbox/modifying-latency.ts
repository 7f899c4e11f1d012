/**
 * How long a change keeps a user or user group in `modifying`, as a distribution rather than one
 * fixed delay. AWS documents the status (create/modify/delete are asynchronous; calls meanwhile
 * fail with InvalidUserStateFault / InvalidUserGroupStateFault) but publishes no duration, so the
 * defaults below are ASSUMPTIONS (docs/aws-facts.md, "How long `modifying` lasts"): log-normal
 * around the medians the sandbox always used as fixed delays (30 s for a user, 60 s for a group),
 * spread so one change in ten takes about 1.7× the median, bounded on both sides.
 */
export interface LatencyDistribution {
  /** Half the changes settle sooner than this (milliseconds). */
  medianMs: number;
  /** Standard deviation of the latency's natural logarithm. */
  sigma: number;
  minMs: number;
  maxMs: number;
}

export const DEFAULT_MODIFYING_LATENCY: { user: LatencyDistribution; userGroup: LatencyDistribution } = {
  user: { medianMs: 30_000, sigma: 0.4, minMs: 10_000, maxMs: 120_000 },
  userGroup: { medianMs: 60_000, sigma: 0.4, minMs: 20_000, maxMs: 240_000 },
};

/** A small seeded generator (mulberry32): the same seed gives the same latencies, run after run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function checkLatencyDistribution(name: string, d: LatencyDistribution): void {
  if (
    !(d.medianMs > 0) ||
    !(d.sigma >= 0) ||
    !(d.minMs >= 0) ||
    !(d.minMs <= d.medianMs && d.medianMs <= d.maxMs)
  )
    throw new Error(`${name}: need medianMs > 0, sigma >= 0 and 0 <= minMs <= medianMs <= maxMs`);
}

/** One latency (ms): log-normal (Box–Muller from two uniform draws), clamped to [minMs, maxMs]. */
export function drawLatency(d: LatencyDistribution, random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.round(Math.min(d.maxMs, Math.max(d.minMs, d.medianMs * Math.exp(d.sigma * normal))));
}

/** The distribution's mean (ms), estimated from 20,000 seeded draws: the "one modification latency" of a bound. */
export function meanLatency(d: LatencyDistribution): number {
  const random = seededRandom(1);
  let sum = 0;
  for (let i = 0; i < 20_000; i += 1) sum += drawLatency(d, random);
  return sum / 20_000;
}
