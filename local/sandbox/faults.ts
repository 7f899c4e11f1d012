import { AsyncLocalStorage } from 'node:async_hooks';
import { genericFault } from './service-error.js';

export type FaultMode = 'throw' | 'hang' | 'crash';

export interface FaultSpec {
  /** SDK service id, e.g. `ElastiCache`, `Secrets Manager`, `EC2`, `DynamoDB`. */
  service: string;
  /** Command name without the `Command` suffix, e.g. `ModifyUser`. */
  command: string;
  /** Which call (1-based, counted from when the fault is registered) fails. Default 1. */
  nth?: number;
  /** How many consecutive calls from the nth fail. Default 1. */
  times?: number;
  mode: FaultMode;
  /** For `throw`: the error to raise (default a 500 `InternalFailure`). */
  error?: () => Error;
  /**
   * Only calls whose input this accepts count (and fail): e.g. calls naming one user, so faults
   * aimed at one schedule of the chaos test leave concurrent schedules alone.
   */
  matches?: (input: unknown) => boolean;
}

/** An armed fault: how often it has fired so far, and how to take it out again. */
export interface ArmedFaultHandle {
  fired(): number;
  disarm(): void;
}

/**
 * Thrown through the calling Lambda by a `crash` fault. The local runner turns it into the
 * error Step Functions reports for a Lambda whose runtime died (`Lambda.Unknown`).
 */
export class LambdaCrashSignal extends Error {
  override readonly name: string = 'LambdaCrashSignal';
  constructor(what: string) {
    super(`sandbox fault: the Lambda runtime crashed during ${what}`);
  }
}

/**
 * The Lambda invocation a call belongs to, set by the local runner around each handler: an
 * injected hang tells its invocation, whose timeout then fires on the sandbox clock (a hang is
 * simulated waiting), while real work keeps a real-time allowance (it is not simulated time).
 */
export const lambdaInvocation = new AsyncLocalStorage<{ hung(): void }>();

/** A handler (or a test standing in for one) that never answers: a hang the runner times out. */
export function hangForever(): Promise<never> {
  lambdaInvocation.getStore()?.hung();
  return new Promise<never>(() => undefined);
}

interface ArmedFault extends Required<Omit<FaultSpec, 'error' | 'matches'>> {
  error?: () => Error;
  matches?: (input: unknown) => boolean;
  seen: number;
  fired: number;
}

/** Counts calls per command and makes chosen calls throw, hang forever or crash the caller. */
export class FaultInjector {
  private armed: ArmedFault[] = [];
  private readonly callCounts = new Map<string, number>();

  inject(spec: FaultSpec): ArmedFaultHandle {
    const fault: ArmedFault = { nth: 1, times: 1, ...spec, seen: 0, fired: 0 };
    this.armed.push(fault);
    return {
      fired: () => fault.fired,
      disarm: () => {
        this.armed = this.armed.filter((f) => f !== fault);
      },
    };
  }

  clear(): void {
    this.armed = [];
  }

  /** Total calls seen for `service.command` since the sandbox started. */
  calls(service: string, command: string): number {
    return this.callCounts.get(`${service}.${command}`) ?? 0;
  }

  /** Called by the sandbox middleware before the model runs. */
  async before(service: string, command: string, input?: unknown): Promise<void> {
    const key = `${service}.${command}`;
    this.callCounts.set(key, (this.callCounts.get(key) ?? 0) + 1);
    for (const fault of this.armed) {
      if (fault.service !== service || fault.command !== command) continue;
      if (fault.matches && !fault.matches(input)) continue;
      fault.seen += 1;
      if (fault.seen < fault.nth || fault.seen >= fault.nth + fault.times) continue;
      fault.fired += 1;
      const what = `${key} (call ${fault.seen})`;
      if (fault.mode === 'hang') return hangForever();
      if (fault.mode === 'crash') throw new LambdaCrashSignal(what);
      throw fault.error?.() ?? genericFault('InternalFailure', `sandbox fault injected into ${what}`, 500);
    }
  }
}
