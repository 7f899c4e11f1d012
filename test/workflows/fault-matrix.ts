import type { LambdaHandler } from '../../local/runner/local-state-machine.js';
import { hangForever, LambdaCrashSignal } from '../../local/sandbox/faults.js';

/**
 * How a workflow step fails on its first attempt in the fault matrices (rotate-password,
 * rotate-auth-token): before its work (an error, a hang until the Lambda times out, a crash of
 * the runtime) or after it (a crash, a hang), so that the retry meets work already done.
 */
export const FAULT_MODES = [
  'throw before',
  'hang before (Lambda timeout)',
  'crash before',
  'crash after the work',
  'hang after the work',
] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/** The real handler of `functions/<name>`, except that its first invocation fails in `mode`. */
export async function failingOnce(
  name: string,
  mode: FaultMode,
): Promise<{ handler: LambdaHandler; calls: () => number }> {
  const real = ((await import(`../../functions/${name}/handler.js`)) as { handler: LambdaHandler }).handler;
  let calls = 0;
  return {
    calls: () => calls,
    handler: async (event, context) => {
      calls += 1;
      if (calls > 1) return real(event, context);
      if (mode === 'throw before')
        throw Object.assign(new Error('injected failure'), { name: 'InternalFailure' });
      // Hangs go through hangForever(): the runner then times them out on the sandbox clock.
      if (mode === 'hang before (Lambda timeout)') return hangForever();
      if (mode === 'crash before') throw new LambdaCrashSignal('the test, before the step');
      await real(event, context);
      if (mode === 'crash after the work')
        throw new LambdaCrashSignal('the test, after the step did its work');
      return hangForever();
    },
  };
}
