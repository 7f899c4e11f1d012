/**
 * The sandbox's notion of "now". Service models compute status transitions ("active 60 s after
 * creation") from it, and the local runner scales Wait states and retry intervals by the same
 * `speed`, so a workflow experiences consistent simulated time:
 *
 * - `speed: 0`  — manual: time moves only through `advance()` (model unit tests).
 * - `speed: N`  — N simulated seconds pass per real second (1000 in workflow tests, ~20 in the demo).
 */
export class SandboxClock {
  readonly speed: number;
  private readonly simulatedStart: number;
  private readonly realStart: number;
  private manualOffsetMs = 0;

  constructor(options: { speed?: number; start?: Date } = {}) {
    this.speed = options.speed ?? 0;
    if (this.speed < 0 || !Number.isFinite(this.speed))
      throw new Error(`clock speed must be >= 0, got ${this.speed}`);
    this.simulatedStart = (options.start ?? new Date()).getTime();
    this.realStart = performance.now();
  }

  nowMs(): number {
    const realElapsed = this.speed === 0 ? 0 : (performance.now() - this.realStart) * this.speed;
    return Math.floor(this.simulatedStart + this.manualOffsetMs + realElapsed);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  advance(ms: number): void {
    if (ms < 0) throw new Error('the clock never goes backwards');
    this.manualOffsetMs += ms;
  }

  /** Real milliseconds that correspond to `simulatedMs` of sandbox time (0 in manual mode). */
  realMsFor(simulatedMs: number): number {
    return this.speed === 0 ? 0 : simulatedMs / this.speed;
  }
}
