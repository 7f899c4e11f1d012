import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The Lambda invocation an AWS call is made from, when the local runner (or a test standing in
 * for Lambda) runs the handler. Lambda freezes a function's execution environment when an
 * invocation ends, timed out or not: a handler that is still running then makes no more calls.
 * In-process, the timed-out handler's promise runs on; the sandbox holds its further calls
 * forever instead, so a step that timed out cannot, say, take a claim after its run released it.
 */
const invocations = new AsyncLocalStorage<{ ended: boolean }>();

/** Runs `work` as one invocation; when it settles or `deadline` rejects first, the invocation ends. */
export async function runInvocation<T>(work: () => Promise<T>, deadline: Promise<never>): Promise<T> {
  const invocation = { ended: false };
  try {
    return await Promise.race([invocations.run(invocation, work), deadline]);
  } finally {
    invocation.ended = true;
  }
}

/** True when the caller runs inside an invocation that has already ended. */
export function invocationEnded(): boolean {
  return invocations.getStore()?.ended ?? false;
}
