import { describe, expect, it } from '@jest/globals';
import { readAsl, workflowNames } from '../../../workflows/asl-files.js';

/**
 * Every service cachegate calls answers a throttled call with one of these codes (ElastiCache
 * `Throttling` — "Rate exceeded (Service: AmazonElastiCache; Status Code: 400; Error Code:
 * Throttling)" —, MemoryDB and Secrets Manager `ThrottlingException`, EC2 `RequestLimitExceeded`,
 * Lambda's own `TooManyRequestsException`). A Task that retries one of them must retry all of
 * them, with its own retrier: many attempts, capped, jittered backoff, so that a burst of
 * parallel work (rotate-all in an emergency) spreads out instead of failing users.
 */
const THROTTLING = ['Throttling', 'ThrottlingException', 'RequestLimitExceeded'];

interface Retrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
  JitterStrategy?: string;
  MaxDelaySeconds?: number;
}
type State = {
  Type?: string;
  Retry?: Retrier[];
  ItemProcessor?: { States: Record<string, State> };
  Branches?: { States: Record<string, State> }[];
};

/**
 * Every Task state with its retriers (none: an empty list). Every Task, not only those that retry
 * something already: a state whose throttling retrier was dropped must fail here, not drop out.
 */
function taskStates(states: Record<string, State>, prefix = ''): [string, Retrier[]][] {
  return Object.entries(states).flatMap(([name, state]) => [
    ...(state.Type === 'Task' ? [[`${prefix}${name}`, state.Retry ?? []] as [string, Retrier[]]] : []),
    ...(state.ItemProcessor ? taskStates(state.ItemProcessor.States, `${prefix}${name}/`) : []),
    ...(state.Branches ?? []).flatMap((branch) => taskStates(branch.States, `${prefix}${name}/`)),
  ]);
}

const cases = workflowNames().flatMap((workflow) =>
  taskStates((JSON.parse(readAsl(workflow)) as { States: Record<string, State> }).States).map(
    ([state, retry]) => [workflow, state, retry] as const,
  ),
);

describe('throttling retries', () => {
  it('covers some states', () => expect(cases.length).toBeGreaterThan(40));

  it.each(cases)('%s %s retries every throttling code', (_workflow, _state, retry) => {
    const all = retry.flatMap((r) => r.ErrorEquals);
    for (const code of THROTTLING) expect(all).toContain(code);
  });

  it.each(cases.filter(([workflow]) => workflow !== 'access-request'))(
    '%s %s backs off from throttling with jitter, many times',
    (_workflow, _state, retry) => {
      const retrier = retry.find((r) => r.ErrorEquals.includes('Throttling'));
      expect(retrier).toMatchObject({ JitterStrategy: 'FULL' });
      expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(8);
      expect(retrier?.MaxDelaySeconds).toBeLessThanOrEqual(60);
    },
  );
});

/**
 * A Lambda that runs out of time fails with `TimeoutError` when middy's early timeout answers
 * first (every cachegate handler runs under middy), with `Sandbox.Timedout` when the runtime is
 * stopped. Both mean "this attempt did not finish", and every step is idempotent: a state that
 * retries one retries the other. Without it, a hung call in a step with no Catch (ClaimUser) ended
 * the run and left the user's claim held until it expired.
 */
describe('timeout retries', () => {
  it.each(cases)('%s %s retries TimeoutError with Sandbox.Timedout', (_workflow, _state, retry) => {
    const retrier = retry.find((r) => r.ErrorEquals.includes('Sandbox.Timedout'));
    expect(retrier?.ErrorEquals).toContain('TimeoutError');
  });
});
