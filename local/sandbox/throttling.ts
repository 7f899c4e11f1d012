import type { SandboxClock } from './clock.js';
import { genericFault } from './service-error.js';

/** A token bucket: `ratePerSecond` tokens per simulated second, at most `burst` saved up. */
export interface BucketSpec {
  ratePerSecond: number;
  burst: number;
}

/**
 * Which calls share a bucket and how fast it refills. AWS does not publish ElastiCache's or
 * MemoryDB's control-plane rate limits; these defaults are ASSUMPTIONS (docs/aws-facts.md,
 * "Throttling"), chosen near the limits AWS documents for comparable APIs (EC2's mutating-action
 * bucket refills at 5/s with a burst of 50; Secrets Manager documents 50/s for PutSecretValue-class
 * calls). Describe/List calls are not throttled by this model.
 */
export const DEFAULT_THROTTLING: Record<string, BucketSpec> = {
  ElastiCache: { ratePerSecond: 5, burst: 50 },
  MemoryDB: { ratePerSecond: 5, burst: 50 },
  'Secrets Manager': { ratePerSecond: 50, burst: 100 },
  EC2: { ratePerSecond: 5, burst: 50 },
};

/** Control-plane calls that change something: the ones a rate limit is about. */
const MUTATING =
  /^(Create|Modify|Update|Delete|Put|Import|Terminate|Associate|Disassociate|Authorize|Revoke|Rotate|Restore|Tag|Untag)/;

/**
 * The error a throttled call gets. ElastiCache, MemoryDB's query/JSON protocols and Secrets
 * Manager answer `Throttling` / `ThrottlingException`, EC2 `RequestLimitExceeded` — each one of
 * the codes the SDK classifies as throttling (its retry strategy backs off on them).
 */
const THROTTLING_ERROR: Record<string, string> = {
  ElastiCache: 'Throttling',
  MemoryDB: 'ThrottlingException',
  'Secrets Manager': 'ThrottlingException',
  EC2: 'RequestLimitExceeded',
};

/**
 * Per-service token buckets on the sandbox clock, off unless `enable` is called: every mutating
 * call takes a token or fails with the service's throttling error. Counts what it did, so a
 * bench can compare a run with the bound the model allows.
 */
export class ThrottlingModel {
  private specs: Record<string, BucketSpec> = {};
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly throttled = new Map<string, number>();
  readonly admitted = new Map<string, number>();

  constructor(private readonly clock: SandboxClock) {}

  enable(specs: Record<string, BucketSpec> = DEFAULT_THROTTLING): void {
    for (const [service, spec] of Object.entries(specs)) {
      if (!(spec.ratePerSecond > 0) || !(spec.burst >= 1))
        throw new Error(`throttling ${service}: rate must be > 0 and burst >= 1`);
    }
    this.specs = { ...specs };
    this.buckets.clear();
  }

  disable(): void {
    this.specs = {};
  }

  spec(service: string): BucketSpec | undefined {
    return this.specs[service];
  }

  /**
   * Called by the sandbox middleware before the model runs a command. Each region and account has
   * its own bucket per service, as AWS meters them.
   */
  take(service: string, command: string, where?: { region: string; accountId: string }): void {
    const spec = this.specs[service];
    if (!spec || !MUTATING.test(command)) return;
    const now = this.clock.nowMs();
    const key = where ? `${service} ${where.region} ${where.accountId}` : service;
    const bucket = this.buckets.get(key) ?? { tokens: spec.burst, at: now };
    bucket.tokens = Math.min(spec.burst, bucket.tokens + ((now - bucket.at) / 1000) * spec.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      this.throttled.set(service, (this.throttled.get(service) ?? 0) + 1);
      throw genericFault(THROTTLING_ERROR[service] ?? 'ThrottlingException', 'Rate exceeded', 400);
    }
    bucket.tokens -= 1;
    this.admitted.set(service, (this.admitted.get(service) ?? 0) + 1);
  }
}
